// The testcontainers path of the global setup, for developers with a Docker engine and no local
// stack: NATS (JetStream), PostgreSQL and the Samba AD DC image from docker/samba-ad, each started
// once and reused across test runs (TESTCONTAINERS_REUSE_ENABLE=true keeps them between runs;
// otherwise Ryuk removes them when the test process ends). Returns the endpoints as env vars.
const fs = require('node:fs');
const path = require('node:path');

const AD_CA_PATH = '/var/lib/samba-ad/tls/ca.pem';

async function startContainers(root) {
  const { GenericContainer, Wait } = require('testcontainers');
  process.stderr.write(
    '[test stack] starting NATS, PostgreSQL and Samba AD containers with testcontainers\n',
  );
  const adminPassword = process.env.SAMBA_ADMIN_PASSWORD || 'Skolkonto-Test-1';

  const [nats, postgres, ad] = await Promise.all([
    new GenericContainer('nats:2.9-alpine')
      .withCommand(['-js', '-sd', '/data', '-m', '8222'])
      .withExposedPorts(4222, 8222)
      .withWaitStrategy(Wait.forHttp('/healthz', 8222))
      .withReuse()
      .start(),
    new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .withReuse()
      .start(),
    GenericContainer.fromDockerfile(path.join(root, 'docker/samba-ad'))
      .build('skolkonto/samba-ad:dev', { deleteOnExit: false })
      .then((image) =>
        image
          .withEnvironment({ SAMBA_ADMIN_PASSWORD: adminPassword })
          .withExposedPorts(636)
          .withWaitStrategy(Wait.forHealthCheck())
          .withStartupTimeout(180_000)
          .withReuse()
          .start(),
      ),
  ]);

  const ca = await ad.exec(['cat', AD_CA_PATH]);
  if (ca.exitCode !== 0)
    throw new Error(`reading ${AD_CA_PATH} from the samba-ad container failed: ${ca.output}`);
  const caFile = path.join(root, '.stack/containers/ca.pem');
  fs.mkdirSync(path.dirname(caFile), { recursive: true });
  fs.writeFileSync(caFile, ca.stdout || ca.output);

  // The server certificate names localhost and 127.0.0.1; the mapped port is what differs.
  const host = (h) => (h === '::1' ? 'localhost' : h);
  return {
    NATS_URL: `nats://${host(nats.getHost())}:${nats.getMappedPort(4222)}`,
    DATABASE_ADMIN_URL: `postgresql://postgres@${host(postgres.getHost())}:${postgres.getMappedPort(5432)}/postgres`,
    LDAP_URL: `ldaps://${host(ad.getHost())}:${ad.getMappedPort(636)}`,
    LDAP_CA_FILE: caFile,
    LDAP_BIND_DN: 'CN=Administrator,CN=Users,DC=skola,DC=test',
    LDAP_BIND_PASSWORD: adminPassword,
    LDAP_BASE_DN: 'DC=skola,DC=test',
    AD_REALM: 'SKOLA.TEST',
  };
}

module.exports = { startContainers };
