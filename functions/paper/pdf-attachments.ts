// Reads back the credential a certificate PDF carries as embedded files (renderCertificatePdf attaches
// credential.jwt and credential.json). pdf-lib parses the file; we only walk the catalog's
// /Names /EmbeddedFiles tree, which pdf-lib writes but has no reader for.
import {
  decodePDFRawStream,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFString,
} from 'pdf-lib';

/** Name → bytes of every embedded file; an empty map for a PDF that carries none. Throws for a non-PDF. */
export async function embeddedFiles(pdf: Uint8Array): Promise<Map<string, Uint8Array>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, throwOnInvalidObject: false });
  const files = new Map<string, Uint8Array>();
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const tree = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  if (!tree) return files;
  const visit = (node: PDFDict, depth: number) => {
    if (depth > 8) return; // a name tree deeper than this is not one we wrote
    const leaves = node.lookupMaybe(PDFName.of('Names'), PDFArray);
    for (let i = 0; leaves && i + 1 < leaves.size(); i += 2) {
      const name = leaves.lookup(i);
      const spec = leaves.lookup(i + 1);
      if (!(spec instanceof PDFDict) || !(name instanceof PDFString || name instanceof PDFHexString))
        continue;
      const ef = spec.lookupMaybe(PDFName.of('EF'), PDFDict);
      const stream = ef?.lookup(PDFName.of('F'));
      if (stream instanceof PDFRawStream) files.set(name.decodeText(), decodePDFRawStream(stream).decode());
    }
    const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
    for (let i = 0; kids && i < kids.size(); i++) {
      const kid = kids.lookup(i);
      if (kid instanceof PDFDict) visit(kid, depth + 1);
    }
  };
  visit(tree, 0);
  return files;
}

/** The signed credential a certificate PDF carries: its JWS, else its JSON form; undefined when none. */
export async function credentialInPdf(
  pdf: Uint8Array,
): Promise<string | Record<string, unknown> | undefined> {
  const files = await embeddedFiles(pdf);
  const jws = files.get('credential.jwt');
  if (jws) return new TextDecoder().decode(jws).trim();
  const json = files.get('credential.json');
  if (json) return JSON.parse(new TextDecoder().decode(json)) as Record<string, unknown>;
  return undefined;
}
