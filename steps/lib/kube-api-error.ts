// A failure talking to the Kubernetes API, with what kind of failure it was. Kept apart from
// kube-api-client.ts so that step kinds can recognise it without loading @kubernetes/client-node
// (a large library: loaded only when a step really talks to the API, see kube-api.ts).

export type KubeApiErrorKind =
  | 'kubeconfig' // not a usable kubeconfig
  | 'unreachable' // refused, reset, no route, DNS
  | 'timeout'
  | 'tls' // the server's certificate is not the kubeconfig's CA's (another cluster?)
  | 'unauthorized' // 401: the credentials are unknown or expired
  | 'forbidden' // 403
  | 'not-found'
  | 'conflict'
  | 'invalid' // 4xx the request was wrong
  | 'server' // 5xx or an answer that makes no sense
  | 'aborted';

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly kind: KubeApiErrorKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** Worth another attempt: the server may come back; bad credentials or another cluster won't. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || this.kind === 'server';
  }
}
