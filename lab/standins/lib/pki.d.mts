// Types of pki.mjs for TypeScript callers (tests make foreign CAs with it).
export interface Pem {
  cert: string;
  key: string;
}
export function makeCa(): Promise<Pem>;
export function issueCert(ca: Pem, o: { cn: string; o?: string[]; client?: boolean; server?: boolean; ips?: string[]; dns?: string[]; days?: number }): Promise<Pem>;
export function caHashOf(certPem: string): string;
export function sameCert(a: string | undefined, b: string | undefined): boolean;
export function certIdentity(cert: string | Buffer, caPem: string, now?: number): { user: string; groups: string[] } | { error: string };
