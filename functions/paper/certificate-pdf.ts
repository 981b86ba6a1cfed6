// Draws the paper certificate: A4, one page, the national layout of 职业技能等级证书 (人社鉴发〔2021〕1号) with
// English beside the Chinese. pdf-lib writes the PDF; harfbuzz (subset-font) cuts the CJK font down to the
// characters on the page, so the text is real, selectable text in an embedded subset font; the QR codes
// (qrcode, level Q, 4-module quiet zone) are drawn as vector squares. The same input gives the same bytes:
// every date and id in the file comes from the certificate, none from the clock. docs/paper.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fontkit from '@pdf-lib/fontkit';
import { AFRelationship, PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import subsetFont from 'subset-font';
import {
  chineseDate,
  LEVEL_ON_PAPER,
  NATIONAL_LOOKUP,
  type PaperCertificate,
  paperDate,
} from '../domain/certificate-paper.js';
import { FONT_FILE } from './font.js';

/** The Lambda asset carries the font beside the bundle (lib/constructs/paper.ts copies it there). */
function fontPath(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), FONT_FILE);
  try {
    readFileSync(beside, { flag: 'r' }).length;
    return beside;
  } catch {
    // The package exports only its index (dist/); the fonts sit beside it.
    return join(
      dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc')),
      '..',
      'fonts',
      FONT_FILE,
    );
  }
}

let font: Buffer | undefined;
/** The whole CJK font (Noto Sans SC, OFL, from the npm package @embedpdf/fonts-sc), read once per container. */
export function paperFont(): Buffer {
  font ??= readFileSync(fontPath());
  return font;
}

export interface PaperInput {
  certificate: PaperCertificate;
  /** The main QR code: the public page's short URL with the certificate's token. */
  pageUrl: string;
  /** The offline QR code: the signed compact statement (≤ 400 characters). */
  offlineStatement: string;
  /** Embedded as attachments so a verifier (the /verify page, the offline verifier) reads them back. */
  credentialJws: string;
  credentialJson: string;
}

const A4: [number, number] = [595.28, 841.89];
const MM = 72 / 25.4;
const INK = rgb(0.1, 0.1, 0.1);
const MUTED = rgb(0.35, 0.35, 0.35);
const RULE = rgb(0.6, 0.45, 0.2);

/** The strings the page shows, in order: built once so the font subset holds exactly these characters. */
export function paperLines(input: PaperInput) {
  const c = input.certificate;
  const level = LEVEL_ON_PAPER[c.level];
  const issued = paperDate(c.issuedAt, c.timeZone);
  const until = c.validUntil ? paperDate(c.validUntil, c.timeZone) : undefined;
  const fields: [zh: string, en: string, value: string, valueEn?: string][] = [
    ['姓名', 'Name', c.holderName],
    ['证件类型', 'ID type', c.idType.zh, c.idType.en],
    ['证件号码', 'ID number', c.maskedId ?? '--'],
    ['职业名称', 'Occupation', `${c.occupation.nameZh}（${c.occupation.code}）`, c.occupation.nameEn],
    ['工种/职业方向', 'Type of work / direction', c.direction?.zh ?? '--', c.direction?.en],
    ['职业技能等级', 'Skill level', level.zh, level.en],
    ['证书编号', 'Certificate number', c.number],
    ['评价机构', 'Evaluation organisation', c.organisation.zh, c.organisation.en],
    ['发证日期', 'Date of issue', chineseDate(issued), issued],
    ['有效期至', 'Valid until', until ? chineseDate(until) : '长期', until ?? 'No expiry'],
  ];
  return {
    title: '职业技能等级证书',
    titleEn: 'Vocational Skill Level Certificate',
    body: `${c.holderName}经${c.organisation.zh}评价，职业技能等级达到${level.zh}，特发此证。`,
    bodyEn: `${c.holderName} has been evaluated by ${c.organisation.en} and has reached ${level.en} in ${c.occupation.nameEn}.`,
    fields,
    photo: ['照片', 'Photo'],
    sealLabel: ['评价机构（盖章）', 'Evaluation organisation (seal)'],
    seal: [`发证地区：${c.region.nameZh}`, `Issuing region: ${c.region.nameEn}`],
    mainQr: ['扫码在线查验', 'Scan to verify online'],
    offlineQr: ['离线核验码', 'Offline verification code'],
    lookup: `证书查询 Look up: ${NATIONAL_LOOKUP.join('  ')}  ${input.pageUrl}`,
    footer:
      '本证书可在以上网址查询，也可扫描二维码查验。This certificate can be checked at the addresses above or by scanning a code.',
  };
}

/** Draws a QR code (level Q) as black squares with a 4-module white quiet zone, `size` points wide in all. */
function drawQr(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'Q' });
  const n = qr.modules.size;
  const module = size / (n + 8);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let row = 0; row < n; row++) {
    // Runs of dark modules in a row become one rectangle: fewer operators, same picture.
    let col = 0;
    while (col < n) {
      if (!qr.modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && qr.modules.get(row, col)) col++;
      page.drawRectangle({
        x: x + (4 + start) * module,
        y: y + size - (4 + row + 1) * module,
        width: (col - start) * module,
        height: module,
        color: rgb(0, 0, 0),
      });
    }
  }
}

function centred(page: PDFPage, text: string, font: PDFFont, size: number, y: number, color = INK) {
  const width = font.widthOfTextAtSize(text, size);
  page.drawText(text, { x: (A4[0] - width) / 2, y, size, font, color });
}

/** Lines of at most `width` points; breaks between CJK characters or at spaces. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const token of text.match(/[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+|\s+/g) ??
    []) {
    const next = line + token;
    if (line && font.widthOfTextAtSize(next.trimEnd(), size) > width) {
      lines.push(line.trimEnd());
      line = token.trimStart();
    } else line = next;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

export async function renderCertificatePdf(input: PaperInput): Promise<Uint8Array> {
  const lines = paperLines(input);
  const everything = JSON.stringify(lines);
  // Only the glyphs on the page go into the file (≈ 20–40 KB instead of 8 MB).
  const subset = await subsetFont(paperFont(), everything, { targetFormat: 'sfnt' });
  const issued = new Date(input.certificate.issuedAt);
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  // No ligatures: a ligature glyph maps back to no single character, and pdftotext would lose letters.
  const font = await doc.embedFont(subset, {
    subset: false,
    features: { liga: false, rlig: false, calt: false },
  });
  doc.setTitle(`${lines.title} ${input.certificate.number}`, { showInWindowTitleBar: true });
  doc.setAuthor(input.certificate.region.nameZh);
  doc.setSubject(lines.titleEn);
  doc.setCreator('skillcert');
  doc.setProducer('skillcert (pdf-lib)');
  doc.setLanguage('zh-CN');
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  const page = doc.addPage(A4);
  const [W, H] = A4;
  const margin = 18 * MM;

  // Frame
  page.drawRectangle({
    x: margin / 2,
    y: margin / 2,
    width: W - margin,
    height: H - margin,
    borderColor: RULE,
    borderWidth: 2,
  });
  page.drawRectangle({
    x: margin / 2 + 5,
    y: margin / 2 + 5,
    width: W - margin - 10,
    height: H - margin - 10,
    borderColor: RULE,
    borderWidth: 0.6,
  });

  // Title
  centred(page, lines.title, font, 30, H - margin - 40);
  centred(page, lines.titleEn, font, 13, H - margin - 62, MUTED);

  // Photo area (top right), 2-inch photo proportions
  const photo = { w: 33 * MM, h: 48 * MM };
  const photoX = W - margin - photo.w;
  const photoY = H - margin - 100 - photo.h;
  page.drawRectangle({
    x: photoX,
    y: photoY,
    width: photo.w,
    height: photo.h,
    borderColor: MUTED,
    borderWidth: 0.8,
  });
  page.drawText(lines.photo[0] as string, {
    x: photoX + photo.w / 2 - 12,
    y: photoY + photo.h / 2 + 2,
    size: 12,
    font,
    color: MUTED,
  });
  page.drawText(lines.photo[1] as string, {
    x: photoX + photo.w / 2 - 14,
    y: photoY + photo.h / 2 - 14,
    size: 10,
    font,
    color: MUTED,
  });

  // Fields: Chinese label, English label under it; value, English value under it
  let y = H - margin - 110;
  const labelX = margin + 6;
  const valueX = margin + 150;
  const valueWidth = photoX - valueX - 10;
  for (const [zh, en, value, valueEn] of lines.fields) {
    page.drawText(zh, { x: labelX, y, size: 12, font, color: INK });
    page.drawText(en, { x: labelX, y: y - 12, size: 8, font, color: MUTED });
    const width = y > photoY ? valueWidth : W - margin - valueX - 6;
    const valueLines = wrap(value, font, 13, width);
    for (const [i, l] of valueLines.entries())
      page.drawText(l, { x: valueX, y: y - i * 15, size: 13, font, color: INK });
    let bottom = y - (valueLines.length - 1) * 15;
    if (valueEn) {
      const enLines = wrap(valueEn, font, 9, width);
      for (const [i, l] of enLines.entries())
        page.drawText(l, { x: valueX, y: bottom - 12 - i * 10, size: 9, font, color: MUTED });
      bottom -= 12 + (enLines.length - 1) * 10;
    } else bottom -= 12;
    y = Math.min(y - 34, bottom - 20);
  }

  // Body text
  y -= 6;
  for (const l of wrap(lines.body, font, 12, W - 2 * margin - 12)) {
    page.drawText(l, { x: labelX, y, size: 12, font, color: INK });
    y -= 17;
  }
  for (const l of wrap(lines.bodyEn, font, 9, W - 2 * margin - 12)) {
    page.drawText(l, { x: labelX, y, size: 9, font, color: MUTED });
    y -= 12;
  }

  // QR codes (bottom left): the main code 32 mm, the offline code 52 mm (more modules, same module size
  // class: ≥ 0.6 mm, which survives a photocopy). Seal and date (bottom right).
  const base = margin + 40;
  const mainSize = 32 * MM;
  const offlineSize = 52 * MM;
  drawQr(page, input.pageUrl, labelX, base, mainSize);
  page.drawText(lines.mainQr[0] as string, { x: labelX + 4, y: base - 12, size: 9, font, color: INK });
  page.drawText(lines.mainQr[1] as string, { x: labelX + 4, y: base - 22, size: 7, font, color: MUTED });
  const offlineX = labelX + mainSize + 12;
  drawQr(page, input.offlineStatement, offlineX, base, offlineSize);
  page.drawText(lines.offlineQr[0] as string, { x: offlineX + 4, y: base - 12, size: 9, font, color: INK });
  page.drawText(lines.offlineQr[1] as string, { x: offlineX + 4, y: base - 22, size: 7, font, color: MUTED });

  const sealX = W - margin - 190;
  page.drawText(lines.sealLabel[0] as string, { x: sealX, y: base + 110, size: 11, font, color: INK });
  page.drawText(lines.sealLabel[1] as string, { x: sealX, y: base + 97, size: 8, font, color: MUTED });
  for (const [i, l] of wrap(input.certificate.organisation.zh, font, 12, 180).entries())
    page.drawText(l, { x: sealX, y: base + 75 - i * 15, size: 12, font, color: INK });
  page.drawText(lines.seal[0] as string, { x: sealX, y: base + 40, size: 9, font, color: MUTED });
  for (const [i, l] of wrap(lines.seal[1] as string, font, 7, 185).entries())
    page.drawText(l, { x: sealX, y: base + 29 - i * 9, size: 7, font, color: MUTED });

  // National lookup addresses
  const small = wrap(lines.lookup, font, 8, W - 2 * margin - 12);
  for (const [i, l] of small.entries())
    page.drawText(l, { x: labelX, y: margin / 2 + 16 - i * 10, size: 8, font, color: INK });
  for (const [i, l] of wrap(lines.footer, font, 7, W - 2 * margin - 12).entries())
    page.drawText(l, { x: labelX, y: base + offlineSize + 8 + (1 - i) * 9, size: 7, font, color: MUTED });

  // The credential rides along, so the /verify page and the offline verifier can read it back from the file.
  for (const [name, text, mimeType, description] of [
    ['credential.jwt', input.credentialJws, 'application/jwt', 'Signed credential (JWS)'],
    ['credential.json', input.credentialJson, 'application/vc+ld+json', 'Signed credential (JSON)'],
    // The offline code's text, so a tool can print the code again without reading pixels.
    [
      'offline-code.jws',
      input.offlineStatement,
      'application/jose',
      'Offline verification code (compact JWS)',
    ],
  ] as const) {
    await doc.attach(new TextEncoder().encode(text), name, {
      mimeType,
      description,
      creationDate: issued,
      modificationDate: issued,
      afRelationship: AFRelationship.Source,
    });
  }
  return doc.save({ useObjectStreams: true });
}
