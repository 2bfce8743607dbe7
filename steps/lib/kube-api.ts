// The Kubernetes API client, loaded on first use: @kubernetes/client-node costs ~0.9 s and ~60 MB
// to load, which a run whose steps never talk to the API (most runs on most hosts) should not pay.
// Step kinds call `await kubeApi()` where they need it; KubeApiError is in kube-api-error.ts.
export type KubeApi = typeof import('./kube-api-client.js');

export function kubeApi(): Promise<KubeApi> {
  return import('./kube-api-client.js');
}
