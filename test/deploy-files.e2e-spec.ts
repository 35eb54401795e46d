import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO } from './support/broker-process.js';

/**
 * No container engine or cluster runs here, so the deployment files (deploy/) are checked as
 * text: they parse, have the shape docs/scaling.md describes, and give the broker only variables
 * it reads (a misspelled name would be silently ignored by the broker, and its default used).
 */

const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

/** Every YAML file under deploy/, relative to the repository. */
function yamlFiles(): string[] {
  return (readdirSync(join(REPO, 'deploy'), { recursive: true }) as string[])
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => join('deploy', file))
    .sort();
}

/** The file's documents as plain objects; compose's `<<` merge keys resolved. */
function documentsOf(path: string): any[] {
  return parseAllDocuments(read(path), { merge: true }).map((document) => {
    if (document.errors.length > 0)
      throw new Error(`${path}: ${document.errors.map((e) => e.message).join('; ')}`);
    return document.toJS();
  });
}

/**
 * The variables the broker reads: the names src/config/ hands to its env readers (`text(env,
 * 'NAME')`, `integer(env, 'NAME', …)`, …) or keeps as `name = 'NAME'` for one.
 */
function variablesTheBrokerReads(): Set<string> {
  const dir = join(REPO, 'src', 'config');
  const names = readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .flatMap((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return [...text.matchAll(/(?:\(\s*env,\s*|\bname = )'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]);
    });
  return new Set(names);
}

const READ = variablesTheBrokerReads();
/** The names in the first cells of README's tables (`| \`A\`, \`B\` | what | default |`). */
const LISTED = new Set(
  [...read('README.md').matchAll(/^\| ((?:`[A-Z][A-Z0-9_]+`(?:, )?)+) +\|/gm)].flatMap(([, cell]) =>
    [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]),
  ),
);

/** The names the broker does not read, or that README's configuration table does not list. */
function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !READ.has(name) || !LISTED.has(name));
}

/** Seconds a preStop hook waits: `exec: sleep N` or Kubernetes' own `sleep: { seconds: N }`. */
function preStopSeconds(container: any): number {
  const hook = container.lifecycle?.preStop;
  if (hook?.sleep) return Number(hook.sleep.seconds);
  const command: string[] = hook?.exec?.command ?? [];
  const sleep = command.join(' ').match(/\bsleep (\d+)/);
  return sleep ? Number(sleep[1]) : 0;
}

describe('the deployment files', () => {
  const files = yamlFiles();
  const kubernetes = files
    .filter((file) => file.startsWith(join('deploy', 'kubernetes')))
    .flatMap(documentsOf)
    .filter(Boolean);
  const ofKind = (kind: string) => kubernetes.filter((doc) => doc.kind === kind);

  it('names every variable the broker reads the way src/config/ spells it, and README lists each', () => {
    // Spot checks that the reading of src/config/ finds what it should.
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'INSTANCE_ID', 'XASSIST_JOIN_URL_TEMPLATE'])
      expect(READ.has(name)).toBe(true);
    expect(READ.size).toBeGreaterThan(50);
    expect([...READ].filter((name) => !LISTED.has(name))).toEqual([]);
    expect(unknownVariables(['XASSIST_USERNAME', 'REDIS_URL'])).toEqual([]);
  });

  it('catches a misspelled or unlisted variable', () => {
    expect(unknownVariables(['XASSIST_USERNMAE', 'REDIS_URL', 'REDIS_URI'])).toEqual([
      'XASSIST_USERNMAE',
      'REDIS_URI',
    ]);
    // The same check on a compose file with the slip in it.
    const [compose] = documentsOf('deploy/compose.yaml');
    compose.services['broker-2'].environment.WEBHOOK_RATE_PER_SECOUND = '5';
    expect(unknownVariables(Object.keys(compose.services['broker-2'].environment))).toEqual([
      'WEBHOOK_RATE_PER_SECOUND',
    ]);
  });

  it('all parse as YAML', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        join('deploy', 'compose.yaml'),
        join('deploy', 'kubernetes', 'deployment.yaml'),
      ]),
    );
    for (const file of files) expect(documentsOf(file).length).toBeGreaterThan(0);
  });

  describe('compose', () => {
    const [compose] = documentsOf('deploy/compose.yaml');
    const services: Record<string, any> = compose.services;
    const brokers = Object.entries(services).filter(([, service]) => service.build);

    it('runs three brokers from the Dockerfile, PostgreSQL, Redis and a balancer', () => {
      expect(brokers.map(([name]) => name)).toEqual(['broker-1', 'broker-2', 'broker-3']);
      for (const [, broker] of brokers) {
        const context = join('deploy', broker.build.context);
        expect(existsSync(join(REPO, context, broker.build.dockerfile))).toBe(true);
        expect(broker.depends_on).toHaveProperty('postgres');
        expect(broker.depends_on).toHaveProperty('redis');
      }
      expect(services.postgres.image).toMatch(/^postgres:/);
      expect(services.redis.image).toMatch(/^redis:/);
      expect(services.balancer.image).toMatch(/^(haproxy|nginx):/);
      expect(Object.keys(services).sort()).toEqual(
        ['balancer', 'broker-1', 'broker-2', 'broker-3', 'postgres', 'redis'].sort(),
      );
    });

    it('gives each broker PostgreSQL, Redis, its own INSTANCE_ID and only variables it reads', () => {
      const ids = new Set<string>();
      for (const [, broker] of brokers) {
        const environment: Record<string, string> = broker.environment;
        expect(environment.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
        expect(environment.REDIS_URL).toBe('redis://redis:6379');
        ids.add(environment.INSTANCE_ID);
        expect(unknownVariables(Object.keys(environment))).toEqual([]);
        // Secrets and site settings are the operator's: compose refuses to start without them.
        for (const name of ['XASSIST_PASSWORD', 'AUTH_JWT_SECRET', 'XASSIST_BASE_URL'])
          expect(environment[name]).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
      }
      expect(ids.size).toBe(3);
    });

    it('balances round robin, without stickiness, on /readyz, over every broker', () => {
      const mount: string = services.balancer.volumes[0];
      const config = read(join('deploy', mount.split(':')[0]));
      expect(config).toMatch(/^\s*balance roundrobin$/m);
      expect(config).not.toMatch(/^\s*(cookie|stick|balance source|hash-type)\b/m);
      expect(config).toMatch(/uri \/readyz/);
      for (const [name] of brokers)
        expect(config).toMatch(new RegExp(`server ${name} ${name}:3000`));
      expect(config).toMatch(/timeout tunnel/); // websockets stay open
    });
  });

  describe('Kubernetes', () => {
    const [deployment] = ofKind('Deployment');
    const pod = deployment?.spec.template.spec;
    const broker = pod?.containers.find((c: any) => c.name === 'broker');
    const configMap = (name: string) => ofKind('ConfigMap').find((d) => d.metadata.name === name);
    const secret = (name: string) => ofKind('Secret').find((d) => d.metadata.name === name);

    /** The names the container gets: its env, and the keys of what envFrom names. */
    function containerVariables(): string[] {
      const fromSources = (broker.envFrom ?? []).flatMap((source: any) => {
        const found = source.configMapRef
          ? configMap(source.configMapRef.name)?.data
          : (secret(source.secretRef.name)?.stringData ?? secret(source.secretRef.name)?.data);
        expect(found).toBeDefined();
        return Object.keys(found);
      });
      return [...(broker.env ?? []).map((e: any) => e.name), ...fromSources];
    }

    it('runs three replicas of the broker, each reading only variables it knows', () => {
      expect(deployment.spec.replicas).toBe(3);
      expect(broker.image).toMatch(/expert-call-broker/);
      const names = containerVariables();
      expect(unknownVariables(names)).toEqual([]);
      for (const name of ['DATABASE_URL', 'REDIS_URL', 'INSTANCE_ID'])
        expect(names).toContain(name);
      expect(broker.envFrom.some((source: any) => source.secretRef)).toBe(true);
    });

    it('is ready on /readyz and alive on /healthz, both routes the broker has', () => {
      const health = read('src/health/health.controller.ts');
      for (const path of ['healthz', 'readyz']) expect(health).toContain(`@Get('${path}')`);
      expect(broker.readinessProbe.httpGet.path).toBe('/readyz');
      expect(broker.livenessProbe.httpGet.path).toBe('/healthz');
    });

    it('waits before SIGTERM and gives the calls time to be handed back', () => {
      const preStop = preStopSeconds(broker);
      expect(preStop).toBeGreaterThanOrEqual(3);
      const settings = Object.assign(
        {},
        ...broker.envFrom.map((source: any) =>
          source.configMapRef ? configMap(source.configMapRef.name)?.data : {},
        ),
      );
      const leaseSeconds = Number(settings.LEASE_TTL_MS ?? 15_000) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + leaseSeconds);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('keeps two instances through voluntary disruptions, behind a Service without affinity', () => {
      const labels = deployment.spec.template.metadata.labels;
      const [budget] = ofKind('PodDisruptionBudget');
      expect(budget.spec.minAvailable).toBe(2);
      expect(budget.spec.selector.matchLabels).toEqual(labels);
      const [service] = ofKind('Service');
      expect(service.spec.selector).toEqual(labels);
      expect(service.spec.sessionAffinity ?? 'None').toBe('None');
      expect(deployment.spec.selector.matchLabels).toEqual(labels);
    });

    it('mounts the directory file where DIRECTORY_FILE points', () => {
      const file: string = configMap('expert-call-broker-settings')!.data.DIRECTORY_FILE;
      const mount = broker.volumeMounts.find((m: any) => m.mountPath === dirname(file));
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      expect(Object.keys(configMap(volume.configMap.name)!.data)).toContain(
        relative(dirname(file), file),
      );
    });
  });

  describe("docs/deploy.md's single instance on Kubernetes", () => {
    /** The YAML blocks of the section, parsed. */
    const section = (heading: string) => {
      const text = read('docs/deploy.md');
      const start = text.indexOf(`\n## ${heading}\n`);
      const end = text.indexOf('\n## ', start + 1);
      return text.slice(start, end < 0 ? undefined : end);
    };
    const example = [...section('Kubernetes probes').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .flatMap(([, block]) => parseAllDocuments(block).map((document) => document.toJS()))
      .find((document) => document?.kind === 'Deployment');

    // Issue 22: the example did not say so, and a rolling update started the new pod beside the
    // old one: two instances on one SQLite file, or a second one refused without REDIS_URL.
    it('runs one replica, replaced by Recreate rather than a rolling update', () => {
      expect(example).toBeDefined();
      expect(example.spec.replicas).toBe(1);
      expect(example.spec.strategy).toEqual({ type: 'Recreate' });
    });

    it('gives the broker no REDIS_URL, and probes /healthz and /readyz', () => {
      const [broker] = example.spec.template.spec.containers;
      const names = (broker.env ?? []).map((variable: any) => variable.name);
      expect(names).not.toContain('REDIS_URL');
      expect(unknownVariables(names)).toEqual([]);
      expect(broker.readinessProbe.httpGet.path).toBe('/readyz');
      expect(broker.livenessProbe.httpGet.path).toBe('/healthz');
    });
  });
});
