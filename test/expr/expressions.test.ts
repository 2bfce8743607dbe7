import { describe, expect, it } from 'vitest';
import { ExprSyntaxError, parseTemplate } from '../../engine/expr/parse.js';
import { evaluateCondition, renderString, renderWith } from '../../engine/expr/render.js';
import type { ExprScope } from '../../engine/expr/resolve.js';
import type { Host } from '../../engine/model.js';
import { healthyFacts } from '../helpers/facts.js';

const host = (name: string, roles: string[], vars: Record<string, unknown> = {}): Host => ({
  name,
  address: '127.0.0.1',
  internalAddress: `127.0.1.${name.length}`,
  port: 22,
  user: 'root',
  roles,
  vars,
  transport: 'ssh',
});
const m1 = host('m1', ['master'], { zone: 'a' });
const w1 = host('worker-1', ['worker'], { zone: 'b' });

const scope: ExprScope = {
  vars: { greeting: "it's hello", list: ['a b', 'c'], n: 3, nested: { deep: 'x' }, off: false },
  cluster: { name: 'c1', kubeVersion: 'v1.28.3' },
  host: w1,
  hosts: [m1, w1],
  outputsOf: (h, s): Record<string, string> | undefined => (h === 'm1' && s === 'init' ? { token: 'abcdef.0123456789abcdef' } : h === 'worker-1' && s === 'a' ? { x: '1' } : undefined),
  secret: (name) => (name === 'PW' ? 'pa$$ word' : undefined),
  factsOf: () => undefined,
};

describe('expression templates', () => {
  it.each([
    ['${{ vars.greeting }}', [['vars', 'greeting']]],
    ['a ${{host.name}} b ${{ cluster.name }}', [['host', 'name'], ['cluster', 'name']]],
    ["${{ hosts['worker-1'].address }}", [['hosts', 'worker-1', 'address']]],
    ['${{ vars.list[0] }}', [['vars', 'list', '0']]],
    ['${{ role.master.steps.init.outputs.token }}', [['role', 'master', 'steps', 'init', 'outputs', 'token']]],
  ])('parses %s', (template, paths) => {
    const exprs = parseTemplate(template).filter((s) => s.kind === 'expr');
    expect(exprs.map((e) => (e.kind === 'expr' ? e.path : []))).toEqual(paths);
  });

  it.each(['${{ }}', '${{ vars.a + 1 }}', '${{ vars.a', '${{ a..b }}', '${{ fn(x) }}', "${{ vars['a }}"])('rejects %s without evaluating it', (template) => {
    expect(() => parseTemplate(template)).toThrow(ExprSyntaxError);
  });

  it('quotes every substituted value in shell fields', () => {
    expect(renderString('echo ${{ vars.greeting }} on ${{ host.name }}', scope, true)).toBe("echo 'it'\\''s hello' on worker-1");
    expect(renderString('printf %s ${{ vars.list }}', scope, true)).toBe("printf %s 'a b' c");
    expect(renderString('echo ${{ secrets.PW }}', scope, true)).toBe("echo 'pa$$ word'");
  });

  it('keeps the type of a lone expression outside shell fields', () => {
    expect(renderString('${{ vars.n }}', scope, false)).toBe(3);
    expect(renderString('${{ vars.list }}', scope, false)).toEqual(['a b', 'c']);
    expect(renderString('n=${{ vars.n }}', scope, false)).toBe('n=3');
  });

  it('reads the outputs of earlier steps on this and other hosts', () => {
    expect(renderString('${{ steps.a.outputs.x }}', scope, false)).toBe('1');
    expect(renderString('${{ hosts.m1.steps.init.outputs.token }}', scope, false)).toBe('abcdef.0123456789abcdef');
    expect(renderString('${{ role.master.steps.init.outputs.token }}', scope, false)).toBe('abcdef.0123456789abcdef');
    expect(renderString('${{ role.master.internalAddress }}', scope, false)).toBe('127.0.1.2');
  });

  it('renders only the shell fields of with: with quoting', () => {
    const out = renderWith({ run: 'echo ${{ vars.greeting }}', creates: '/x/${{ host.name }}' }, scope, ['run']);
    expect(out).toEqual({ run: "echo 'it'\\''s hello'", creates: '/x/worker-1' });
  });

  it('fails clearly on a reference that does not resolve at run time', () => {
    expect(() => renderString('${{ steps.nope.outputs.x }}', scope, false)).toThrow(/step "nope" has not run on worker-1/);
    expect(() => renderString('${{ secrets.MISSING }}', scope, false)).toThrow(/secret "MISSING" is not set/);
  });

  it("reads a host's gathered facts, and says when a host has none", () => {
    const facts = healthyFacts({ hostname: 'worker-1', address: '10.0.0.11', iface: 'enp0s3', prefix: 22 }, { swap: { on: true, devices: [{ name: '/swapfile' }] } });
    const withFacts: ExprScope = { ...scope, factsOf: (h) => (h === 'worker-1' ? facts : undefined) };
    expect(renderString('${{ host.facts.internal.interface }}', withFacts, false)).toBe('enp0s3');
    expect(renderString('${{ host.facts.internal.prefix }}', withFacts, false)).toBe(22);
    expect(renderString("ip addr show dev ${{ host.facts.internal.interface }}", withFacts, true)).toBe('ip addr show dev enp0s3');
    expect(renderString("${{ hosts['worker-1'].facts.interfaces.enp0s3.addresses[0].subnet }}", withFacts, false)).toBe('10.0.0.0/22');
    expect(renderString('${{ host.facts.packages.podsec-k8s }}', withFacts, false)).toBe('1.1.20-alt2');
    expect(evaluateCondition('${{ host.facts.swap.on }}', withFacts)).toBe(true);
    expect(() => renderString('${{ role.master.facts.platform }}', withFacts, false)).toThrow(/no facts were gathered on m1/);
    expect(() => renderString('${{ host.facts.nope }}', withFacts, false)).toThrow(/host\.facts has no "nope"/);
  });

  it('evaluates when: conditions', () => {
    expect(evaluateCondition('${{ vars.off }}', scope)).toBe(false);
    expect(evaluateCondition('${{ vars.n }}', scope)).toBe(true);
    expect(evaluateCondition('false', scope)).toBe(false);
    expect(evaluateCondition(undefined, scope)).toBe(true);
  });
});
