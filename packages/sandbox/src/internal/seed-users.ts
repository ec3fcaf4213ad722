/** The seeded users themselves (the store writes them into a new data dir). */
import { formatGongDateTime } from "@gong-connector/schema";
import { stableGongId } from "./ids.js";
import { EXAMPLE_USER_ID, GENERATED_USER_COUNT, SEED_AVATAR_COUNT, SEED_DOMAIN, type SandboxUser, type SeedUser, type UserSettings } from "./seed.js";

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya"];
const LAST = ["Lovelace", "Okafor", "Martin", "Patel", "Rossi", "Haddad", "Hopper", "Tanaka", "Silva", "Berg", "Novak", "Murphy"];
const TITLES = ["Account Executive", "Sales Development Rep", "Customer Success Manager", "Solutions Engineer", "Sales Manager"];

function pick<T>(list: readonly T[], i: number): T {
  const v = list[i % list.length];
  if (v === undefined) throw new Error("empty seed list");
  return v;
}

const ALL_ON: UserSettings = {
  webConferencesRecorded: true,
  preventWebConferenceRecording: false,
  telephonyCallsImported: true,
  emailsImported: true,
  preventEmailImport: false,
  nonRecordedMeetingsImported: true,
  gongConnectEnabled: true,
};

function exampleUser(): SandboxUser {
  return {
    id: EXAMPLE_USER_ID,
    emailAddress: `dana.rep@${SEED_DOMAIN}`,
    created: "2024-01-15T08:00:00Z",
    active: true,
    emailAliases: [],
    firstName: "Dana",
    lastName: "Rep",
    title: "Account Executive",
    phoneNumber: "+15550000000",
    settings: { ...ALL_ON },
    spokenLanguages: [{ language: "en-US", primary: true }],
  };
}

export function seedUsers(): SeedUser[] {
  const out: SeedUser[] = [{ user: exampleUser(), avatar: false }];
  const created = Date.UTC(2024, 0, 15, 9, 0, 0);
  const firstAvatar = GENERATED_USER_COUNT - SEED_AVATAR_COUNT;
  for (let i = 0; i < GENERATED_USER_COUNT; i++) {
    const avatar = i >= firstAvatar;
    const firstName = avatar ? "Gong" : pick(FIRST, i);
    const lastName = avatar ? `Support ${i - firstAvatar + 1}` : pick(LAST, Math.floor(i / FIRST.length) + i);
    const local = avatar ? `avatar${i}` : `${firstName}.${lastName}${i}`.toLowerCase().replace(/[^a-z0-9.]/g, "");
    const emailAddress = avatar ? `${local}@gong.io` : `${local}@${SEED_DOMAIN}`;
    const user: SandboxUser = {
      id: stableGongId(`sandbox-user-${i}`),
      emailAddress,
      created: formatGongDateTime(created + i * 86_400_000),
      active: i !== 3,
      emailAliases: i % 10 === 0 && !avatar ? [`${local}@alias.${SEED_DOMAIN}`] : [],
      firstName,
      lastName,
      title: avatar ? "Gong Support" : pick(TITLES, i),
      phoneNumber: `+1555${String(1_000_000 + i).slice(1)}`,
      settings: { ...ALL_ON, telephonyCallsImported: i !== 2 },
      spokenLanguages: [{ language: "en-US", primary: true }],
    };
    if (i > 4 && !avatar) user.managerId = stableGongId(`sandbox-user-${i % 5}`);
    out.push({ user, avatar });
  }
  return out;
}
