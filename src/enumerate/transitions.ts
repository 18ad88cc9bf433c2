// Transition-edge coverage of the sequence state machine: the model's state is projected onto a
// small abstract state; every transition reachable from the initial state is exercised at least once.
import { ModelError, XTILE, XTILEDATA, markLibraryVcpus, step, initialState, type ModelState, type Op } from '../model/index.js';
import type { BuildContext, TestCase } from './case.js';
import { requirementsOf } from './case.js';
import { TILEDATA, createVcpu, enableAllInGuest, getGuestPerm, getMsr, getXcrs, getXsave2, requestGuestPerm, setCpuid, setMsr } from './families/steps.js';

/** An abstract operation: concrete steps chosen for the concrete state it is applied to. */
interface Macro {
	readonly name: string;
	readonly enabled: (state: ModelState) => boolean;
	readonly ops: (state: ModelState, path: readonly Op[], ctx: BuildContext) => Op[];
}

const hasVcpu = (s: ModelState) => s.vcpu !== null;
/** Guest code only runs on a vCPU whose CPUID the case set. */
const canRun = (s: ModelState) => s.vcpu?.cpuid != null;

const MACROS: readonly Macro[] = [
	{ name: 'request-guest-perm', enabled: () => true, ops: () => [requestGuestPerm] },
	{ name: 'create-vcpu', enabled: () => true, ops: () => [createVcpu] },
	{ name: 'set-cpuid-supported', enabled: hasVcpu, ops: () => [setCpuid('supported')] },
	{ name: 'set-cpuid-plus-xtile', enabled: hasVcpu, ops: () => [setCpuid('supported-plus-xtile')] },
	{ name: 'set-cpuid-no-xtile', enabled: hasVcpu, ops: () => [setCpuid('no-xtile')] },
	{ name: 'guest-enable-all', enabled: canRun, ops: (_s, path, ctx) => enableAllInGuest(path, ctx) },
	{ name: 'guest-arm-xfd', enabled: canRun, ops: () => [{ op: 'guest.wrmsr', msr: 'XFD', value: TILEDATA }] },
	{ name: 'host-disarm-xfd', enabled: hasVcpu, ops: () => [setMsr('XFD', '0x0')] },
	{ name: 'guest-tile-load', enabled: canRun, ops: () => [{ op: 'guest.tile_load' }] },
	{ name: 'fork', enabled: () => true, ops: () => [{ op: 'fork' }] },
];

/** The abstract state: what a maintainer would draw on a whiteboard. */
export function abstractState(s: ModelState): string {
	const perm = s.proc.guestPerm & XTILEDATA ? 'perm' : 'noperm';
	const lock = s.proc.guestLocked ? 'locked' : 'unlocked';
	const v = s.vcpu;
	if (!v) return [s.proc.child ? 'child' : 'parent', perm, lock, 'no-vcpu'].join('/');
	const cpuid = v.cpuid === null ? 'no-cpuid' : v.cpuid.xcr0 & XTILEDATA ? 'cpuid-amx' : 'cpuid-no-amx';
	const xcr0 = (v.xcr0 & XTILE) === XTILE ? 'xcr0-xtile' : 'xcr0-base';
	const xfd = v.xfd & XTILEDATA ? 'xfd-armed' : 'xfd-0';
	return [s.proc.child ? 'child' : 'parent', perm, lock, cpuid, v.hasRun ? 'ran' : 'not-run', xcr0, xfd].join('/');
}

/** Every combination of the abstract dimensions, reachable or not, in abstractState()'s format. */
export function allAbstractStates(): string[] {
	const heads = ['parent', 'child'].flatMap((who) => ['noperm', 'perm'].flatMap((perm) => ['unlocked', 'locked'].map((lock) => [who, perm, lock].join('/'))));
	const vcpus = ['no-cpuid', 'cpuid-no-amx', 'cpuid-amx'].flatMap((cpuid) =>
		['not-run', 'ran'].flatMap((run) => ['xcr0-base', 'xcr0-xtile'].flatMap((xcr0) => ['xfd-0', 'xfd-armed'].map((xfd) => [cpuid, run, xcr0, xfd].join('/')))),
	);
	return heads.flatMap((head) => [`${head}/no-vcpu`, ...vcpus.map((v) => `${head}/${v}`)]);
}

interface Node {
	readonly key: string;
	readonly state: ModelState;
	readonly path: readonly Op[];
	/** The macros along the shortest path from the initial state. */
	readonly macros: readonly string[];
}

export interface Edge {
	readonly from: string;
	readonly macro: string;
	readonly to: string;
}

export interface TransitionGraph {
	readonly start: string;
	readonly nodes: ReadonlyMap<string, Node>;
	readonly edges: readonly Edge[];
}

function apply(state: ModelState, ops: readonly Op[], ctx: BuildContext): ModelState | null {
	let s = state;
	try {
		for (const op of ops) s = step(s, op, ctx.platform, ctx.rev).state;
	} catch (error) {
		if (error instanceof ModelError) return null;
		throw error;
	}
	return s;
}

/** Breadth-first exploration from the initial state; each abstract state keeps its first (shortest) path. */
export function exploreTransitions(ctx: BuildContext): TransitionGraph {
	const start = initialState(ctx.platform);
	const nodes = new Map<string, Node>([[abstractState(start), { key: abstractState(start), state: start, path: [], macros: [] }]]);
	const queue = [...nodes.values()];
	const edges: Edge[] = [];
	while (queue.length) {
		const node = queue.shift()!;
		for (const macro of MACROS) {
			if (!macro.enabled(node.state)) continue;
			const ops = macro.ops(node.state, node.path, ctx);
			const next = apply(node.state, ops, ctx);
			if (!next) continue;
			const key = abstractState(next);
			edges.push({ from: node.key, macro: macro.name, to: key });
			if (!nodes.has(key)) {
				const child = { key, state: next, path: [...node.path, ...ops], macros: [...node.macros, macro.name] };
				nodes.set(key, child);
				queue.push(child);
			}
		}
	}
	return { start: abstractState(start), nodes, edges };
}

const MAX_TOUR_MACROS = 12;

function edgeKey(e: { from: string; macro: string }): string {
	return `${e.from} --${e.macro}-->`;
}

/**
 * Tours that cover every reachable edge: each starts at the initial state, walks (shortest path) to
 * the first uncovered edge, takes it, then keeps taking uncovered edges from where it is.
 */
export function transitionCases(ctx: BuildContext): { cases: TestCase[]; graph: TransitionGraph; covered: number } {
	const graph = exploreTransitions(ctx);
	const uncovered = new Set(graph.edges.map(edgeKey));
	const outgoing = new Map<string, Edge[]>();
	for (const e of graph.edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e]);
	const cases: TestCase[] = [];
	for (const target of graph.edges) {
		if (!uncovered.has(edgeKey(target))) continue;
		const macros = [...graph.nodes.get(target.from)!.macros];
		// The path there walks tree edges: they count as covered too.
		let at = graph.start;
		for (const name of macros) {
			const e = outgoing.get(at)!.find((x) => x.macro === name)!;
			uncovered.delete(edgeKey(e));
			at = e.to;
		}
		macros.push(target.macro);
		uncovered.delete(edgeKey(target));
		at = target.to;
		while (macros.length < MAX_TOUR_MACROS) {
			const next = (outgoing.get(at) ?? []).find((e) => uncovered.has(edgeKey(e)));
			if (!next) break;
			uncovered.delete(edgeKey(next));
			macros.push(next.macro);
			at = next.to;
		}
		cases.push(tourCase(cases.length + 1, macros, ctx));
	}
	return { cases, graph, covered: graph.edges.length - uncovered.size };
}

function tourCase(n: number, macroNames: readonly string[], ctx: BuildContext): TestCase {
	let state = initialState(ctx.platform);
	const steps: Op[] = [];
	for (const name of macroNames) {
		const macro = MACROS.find((m) => m.name === name)!;
		const ops = macro.ops(state, steps, ctx);
		steps.push(...ops);
		state = apply(state, ops, ctx)!;
	}
	const observe: Op[] = state.vcpu ? [getXcrs, getMsr('XFD'), getXsave2, getGuestPerm] : [getGuestPerm];
	steps.push(...observe);
	return {
		id: `sequence.tour-${String(n).padStart(2, '0')}`,
		family: 'sequence',
		title: macroNames.join(' -> '),
		origin: 'transition',
		requires: requirementsOf(steps, []),
		steps: markLibraryVcpus(steps),
	};
}
