// Playbooks and inventories are both YAML maps; a user who swaps them (`run INVENTORY -i PLAYBOOK`)
// should hear that, not a page of schema errors. Told apart by their defining keys.

export function looksLike(data: unknown): 'playbook' | 'inventory' | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const keys = new Set(Object.keys(data));
  if (keys.has('phases') && !keys.has('hosts')) return 'playbook';
  if (keys.has('hosts') && !keys.has('phases')) return 'inventory';
  return undefined;
}
