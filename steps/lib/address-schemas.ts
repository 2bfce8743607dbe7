// JSON Schemas for addresses in a step's `with:`, the same definitions the inventory schema uses
// (schemas/inventory.schema.json): a literal address in a playbook is checked as strictly as one
// in an inventory, with a position, before anything runs.
import inventorySchema from '../../schemas/inventory.schema.json' with { type: 'json' };

const defs = inventorySchema.definitions;

/** An IPv4 or IPv6 address, or a host name. */
export const ADDRESS_SCHEMA = defs.address;
/** An IPv4 or IPv6 address. */
export const IP_SCHEMA = defs.ipAddress;
/** HOST:PORT. */
export const ENDPOINT_SCHEMA = defs.endpoint;
