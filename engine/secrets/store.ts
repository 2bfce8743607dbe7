// Where `${{ secrets.NAME }}` comes from, first match wins:
//   1. the environment variable PODSEC_SECRET_<NAME>
//   2. the environment variable <NAME>
//   3. the inventory's `secretsFile:` (YAML map NAME: value, kept outside the inventory)
//   4. the inventory's inline `secrets:` (throwaway lab secrets only)
// Every value handed out is registered with the masker first.
import type { Masker } from './masker.js';

/** Why a secret cannot be had, and where it may come from. */
export function secretNotSet(name: string): string {
  return `secret "${name}" is not set (environment PODSEC_SECRET_${name} or ${name}, the inventory's secretsFile, or its secrets:)`;
}

export interface SecretSource {
  get(name: string): string | undefined;
  has(name: string): boolean;
}

export class SecretStore implements SecretSource {
  constructor(
    private readonly masker: Masker,
    private readonly env: NodeJS.ProcessEnv,
    private readonly fileSecrets: Record<string, string> = {},
    private readonly inlineSecrets: Record<string, string> = {},
  ) {}

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  get(name: string): string | undefined {
    const value = this.lookup(name);
    if (value !== undefined) this.masker.add(value);
    return value;
  }

  private lookup(name: string): string | undefined {
    return this.env[`PODSEC_SECRET_${name}`] ?? this.env[name] ?? this.fileSecrets[name] ?? this.inlineSecrets[name];
  }
}
