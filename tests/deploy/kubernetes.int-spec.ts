import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../boot/app-process';

/**
 * The Kubernetes manifests, checked offline: `kubectl kustomize` renders each overlay, every object
 * validates against its API schema (kubernetes-models, CloudNativePG's CRD schema), and the rules
 * we promise operators hold for every service.
 */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

const SERVICES = ['register-ingest', 'identity-normalizer', 'ad-provisioner', 'federation-publisher', 'ops-console', 'claim-portal'];

function render(overlay: string): K8sObject[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(REPO_ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(yaml).map((doc) => {
    const object = doc.toJS() as K8sObject;
    // kustomize wraps long base64 values; YAML folds the line break into a space, the API server ignores it.
    if (object.kind === 'Secret' && object.data) {
      for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\s+/g, '');
    }
    return object;
  });
}

// The model classes are chosen by apiVersion and kind at run time: one module per kind.
const loadModule = createRequire(__filename) as (id: string) => Record<string, new (object: K8sObject) => { validate(): void }>;

function modelFor(object: K8sObject): { validate(): void } {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  if (group === 'postgresql.cnpg.io') {
    const module = loadModule(`@kubernetes-models/cloudnative-pg/${group}/${version}/${object.kind}`);
    return new module[object.kind]!(object);
  }
  const path = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  const module = loadModule(path);
  return new module[object.kind]!(object);
}

describe.each(['dev', 'prod'])('k8s overlay %s', (overlay) => {
  const objects = render(overlay);
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);

  it.each(objects.map((object) => [`${object.kind}/${object.metadata.name}`, object] as const))(
    '%s validates against its schema',
    (_name, object) => {
      expect(() => modelFor(object).validate()).not.toThrow();
    },
  );

  it.each(SERVICES)('%s runs non-root, read-only, with resources and /health probes', (service) => {
    const deployment = byKind('Deployment').find((object) => object.metadata.name === service);
    expect(deployment).toBeDefined();
    const pod = deployment!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(container.readinessProbe.httpGet.path).toBe('/health');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
  });

  it.each(SERVICES)('%s has a PodDisruptionBudget and an autoscaler', (service) => {
    expect(byKind('PodDisruptionBudget').map((object) => object.metadata.name)).toContain(service);
    const hpa = byKind('HorizontalPodAutoscaler').find((object) => object.metadata.name === service);
    expect(hpa?.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: service });
  });

  it('denies all traffic by default and lets only ad-provisioner and claim-portal (password resets) reach LDAP ports', () => {
    const policies = byKind('NetworkPolicy');
    const deny = policies.find((policy) => policy.metadata.name === 'default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ldapPorts = new Set([389, 636]);
    const reachLdap = policies.filter((policy) =>
      (policy.spec.egress ?? []).some((rule: any) => (rule.ports ?? []).some((port: any) => ldapPorts.has(port.port))),
    );
    expect(reachLdap.map((policy) => policy.spec.podSelector.matchLabels)).toEqual([
      { 'app.kubernetes.io/name': 'ad-provisioner' },
      { 'app.kubernetes.io/name': 'claim-portal' },
    ]);
  });

  it('runs migrations as a Job and mounts the tenants file from a ConfigMap', () => {
    const job = byKind('Job').find((object) => object.metadata.name === 'skolkonto-migrate');
    expect(job?.spec.template.spec.containers[0].command).toEqual(['node', 'libs/persistence/dist/migrate-cli.js']);
    expect(byKind('ConfigMap').some((object) => object.metadata.name.startsWith('skolkonto-tenants'))).toBe(true);
  });

  it('references every secret it uses, and contains secret values only in dev', () => {
    const referenced = new Set<string>();
    JSON.stringify(objects, (key, value) => {
      if ((key === 'secretKeyRef' || key === 'secretRef') && value?.name) referenced.add(value.name);
      if (key === 'secret' && value?.secretName) referenced.add(value.secretName);
      return value;
    });
    const generated = byKind('Secret').map((object) => object.metadata.name);
    if (overlay === 'dev') expect([...referenced].filter((name) => !generated.includes(name))).toEqual([]);
    else expect(generated).toEqual([]);
  });

  it("gives the console claim-portal's admin API, its token (by key, not the portal's whole secret) and the claim page", () => {
    const containerOf = (name: string) => byKind('Deployment').find((object) => object.metadata.name === name)!.spec.template.spec.containers[0];
    const console = containerOf('ops-console');
    const portal = containerOf('claim-portal');
    const env = (container: any, name: string) => container.env.find((entry: any) => entry.name === name);
    const adminUrl = new URL(env(console, 'CLAIM_ADMIN_URL').value);
    const service = byKind('Service').find((object) => object.metadata.name === adminUrl.hostname);
    const servicePort = service?.spec.ports.find((port: any) => port.port === Number(adminUrl.port));
    expect(servicePort).toBeDefined();
    const containerPort = portal.ports.find((port: any) => port.name === servicePort.targetPort);
    expect(String(containerPort?.containerPort)).toBe(env(portal, 'CLAIM_ADMIN_PORT').value);
    const portalSecret = portal.envFrom.find((source: any) => source.secretRef?.name.startsWith('skolkonto-claim')).secretRef.name;
    expect(env(console, 'CLAIM_ADMIN_TOKEN').valueFrom.secretKeyRef).toEqual({ name: portalSecret, key: 'CLAIM_ADMIN_TOKEN' });
    expect(console.envFrom.map((source: any) => source.secretRef?.name ?? '')).not.toContain(portalSecret);
    expect(new URL(env(console, 'CLAIM_PUBLIC_URL').value).protocol).toBe(overlay === 'prod' ? 'https:' : 'http:');
    const egress = byKind('NetworkPolicy').filter((policy) => policy.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'ops-console' && policy.spec.egress);
    expect(egress.flatMap((policy) => policy.spec.egress.flatMap((rule: any) => rule.ports.map((port: any) => port.port)))).toContain(Number(adminUrl.port));
  });

  it('replicates JetStream streams 3 times in production and once in dev', () => {
    const settings = byKind('ConfigMap').find((object) => object.metadata.name.startsWith('skolkonto-settings'));
    expect(settings?.data?.NATS_REPLICAS).toBe(overlay === 'prod' ? '3' : '1');
    const cluster = byKind('Cluster')[0];
    expect(cluster.spec.instances).toBe(overlay === 'prod' ? 3 : 1);
  });
});
