/** Gong's language codes (CONTRACT.md §2): `lang-REGION`, exact case. Omit `languageCode` for auto-detect. */
const BY_LANGUAGE: Readonly<Record<string, readonly string[]>> = {
  af: ["ZA"], am: ["ET"],
  ar: ["AE", "BH", "DZ", "EG", "IL", "IQ", "JO", "KW", "LB", "MA", "MR", "OM", "PS", "QA", "SA", "TN", "YE"],
  az: ["AZ"], bg: ["BG"], bn: ["BD", "IN"], bs: ["BA"], ca: ["ES"], cs: ["CZ"], da: ["DK"], de: ["AT", "CH", "DE"],
  el: ["GR"], en: ["AB", "AU", "CA", "GB", "IE", "IN", "NZ", "PH", "SG", "US", "WL", "ZA"],
  es: ["AR", "BO", "CL", "CO", "CR", "DO", "EC", "ES", "GT", "HN", "MX", "NI", "PA", "PE", "PR", "PY", "SV", "US", "UY"],
  et: ["EE"], eu: ["ES"], fa: ["IR"], fi: ["FI"], fil: ["PH"], fr: ["BE", "CA", "CH", "FR"], gl: ["ES"], gu: ["IN"],
  he: ["IL"], hi: ["IN"], hr: ["HR"], hu: ["HU"], hy: ["AM"], id: ["ID"], is: ["IS"], it: ["CH", "IT"], ja: ["JP"],
  jv: ["ID"], ka: ["GE"], kk: ["KZ"], km: ["KH"], kn: ["IN"], ko: ["KR"], lo: ["LA"], lt: ["LT"], lv: ["LV"],
  mk: ["MK"], ml: ["IN"], mn: ["MN"], mr: ["IN"], ms: ["MY"], my: ["MM"], ne: ["NP"], nl: ["BE", "NL"], no: ["NO"],
  pa: ["Guru-IN"], pl: ["PL"], pt: ["BR", "PT"], ro: ["RO"], ru: ["RU"], si: ["LK"], sk: ["SK"], sl: ["SI"],
  sq: ["AL"], sr: ["RS"], su: ["ID"], sv: ["SE"], sw: ["KE", "TZ"], ta: ["IN", "LK", "MY", "SG"], te: ["IN"],
  th: ["TH"], tr: ["TR"], uk: ["UA"], ur: ["IN", "PK"], uz: ["UZ"], vi: ["VN"], yue: ["Hant-HK"], zh: ["CN", "TW"],
  zu: ["ZA"],
};

export const LANGUAGE_CODES: readonly [string, ...string[]] = (() => {
  const codes = Object.entries(BY_LANGUAGE).flatMap(([lang, regions]) => regions.map((r) => `${lang}-${r}`));
  const [first, ...rest] = codes;
  if (first === undefined) throw new Error("language code list is empty");
  return [first, ...rest];
})();
