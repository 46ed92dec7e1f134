#!/usr/bin/env bash
# Rolls out an overlay: migrations first (a Job that must complete), then the services.
#   bash scripts/k8s-deploy.sh prod
set -euo pipefail
overlay="${1:?usage: k8s-deploy.sh dev|prod}"
dir="$(cd "$(dirname "$0")/.." && pwd)/k8s/overlays/$overlay"
rendered="$(mktemp)"
kubectl kustomize "$dir" > "$rendered"
kubectl apply -f "$rendered" --selector 'app.kubernetes.io/part-of=skolkonto' --prune=false --dry-run=client >/dev/null
kubectl -n skolkonto delete job skolkonto-migrate --ignore-not-found
# Namespace, config, secrets and the migration Job first; wait for the schema before new pods start.
kubectl apply -f <(python3 - "$rendered" <<'PY'
import sys
docs = open(sys.argv[1]).read().split('\n---\n')
print('\n---\n'.join(d for d in docs if any(f'kind: {k}' in d for k in ('Namespace', 'ConfigMap', 'Secret', 'Job', 'Cluster'))))
PY
)
kubectl -n skolkonto wait --for=condition=complete job/skolkonto-migrate --timeout=10m
kubectl apply -f "$rendered"
for deployment in register-ingest identity-normalizer ad-provisioner federation-publisher ops-console; do
  kubectl -n skolkonto rollout status "deployment/$deployment" --timeout=10m
done
