/** How long and how hard each measurement runs: BENCH_QUICK=1 keeps the whole run under 5 minutes. */
export const QUICK = process.env.BENCH_QUICK === '1';

/** BENCH_ONLY=p1,p2 runs only those sections (p1 also gives the site floor; hash: the password hashing candidates); for profiling one path. */
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
export const runs = (section: 'p1' | 'p2' | 'p3' | 'p4' | 'hash'): boolean => only.length === 0 || only.includes(section);

export const CONFIG = QUICK
  ? { rounds: 2, pageSeconds: 3, pageConnections: 10, loginSeconds: 6, loginUsers: 8, loginsPerRound: 1500, verifications: 600, verifySeconds: 15, readSeconds: 3, codeConnections: 10, scaleUsers: 100_000, smallUsers: 1000, scaleVerifications: 200, scaleConnections: 4 }
  : { rounds: 2, pageSeconds: 8, pageConnections: 10, loginSeconds: 15, loginUsers: 8, loginsPerRound: 4000, verifications: 2000, verifySeconds: 30, readSeconds: 6, codeConnections: 10, scaleUsers: 1_000_000, smallUsers: 1000, scaleVerifications: 600, scaleConnections: 4 };

/** Keycloak's published sizing: 15 password logins per second per vCPU (Argon2, 5 iterations, 7 MiB). */
export const KEYCLOAK_LOGINS_PER_VCPU = 15;

export const GOALS = { p1: 0.97, p2: 0.85, p3: 0.6, p4: 1.2, siteFloor: 0.3, loginsPerCore: 4 * KEYCLOAK_LOGINS_PER_VCPU } as const;
