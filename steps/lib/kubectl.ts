// What podsec steps read from `kubectl get nodes -o json`: which nodes exist and which are Ready.

export interface NodeStatus {
  name: string;
  ready: boolean;
}

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[];
}

/** Throws when the text is not a node list (kubectl printed an error page, say). */
export function parseNodes(json: string): NodeStatus[] {
  const list = JSON.parse(json) as NodeList;
  if (!list || !Array.isArray(list.items)) throw new Error('not a node list');
  return list.items.map((n) => ({
    name: n.metadata?.name ?? '',
    ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }));
}

/** Expected nodes that are not Ready yet (missing ones included). */
export function notReady(nodes: NodeStatus[], expected: string[]): string[] {
  const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  return expected.filter((e) => !ready.has(e));
}

export const GET_NODES = 'kubectl get nodes -o json';
