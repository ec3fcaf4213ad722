/** Gong ids: opaque numeric strings of up to 20 digits. Never a JS number (precision is lost above 2^53). */
export const GONG_ID_PATTERN = /^[0-9]{1,20}$/;
