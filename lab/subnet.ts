// Picks the lab's own /24 inside 127.0.0.0/8 (see topology.ts): a random one whose first host
// and VIP are not in use on the ports the lab's API server takes, checked by listening there.
import { createServer } from 'node:net';
import { PlayError } from '../engine/errors.js';
import { internalAddressFor, randomSubnet, vipFor } from './topology.js';

function free(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export async function pickFreeSubnet(tries = 20): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const subnet = randomSubnet();
    if ((await free(internalAddressFor(0, subnet), 6443)) && (await free(vipFor(subnet), 8443))) return subnet;
  }
  throw new PlayError(`no free /24 for the lab in 127.0.0.0/8 after ${tries} tries (is 127.0.0.0/8 routed to lo?)`, { code: 'E_STATE' });
}
