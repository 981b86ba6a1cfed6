// The paper's CJK font file: Noto Sans SC (SIL Open Font License) as the npm package @embedpdf/fonts-sc
// ships it. The Lambda asset carries it beside the bundle (lib/constructs/paper.ts); tests read it from
// the package. Its own module so the CDK app can name it without loading pdf-lib.
export const FONT_FILE = 'NotoSansHans-Regular.otf';
