// Differential test of the shared regex engine against node's own RegExp: seeded, generated
// patterns (every flag but v, groups named and not, lookahead and lookbehind, backreferences,
// classes, \p{...}, quantifiers greedy and lazy, anchors) over generated subjects. Both sides must
// agree on whether a pattern compiles and, for each subject, on the first match (the index of
// every group, or none), and for g / y patterns on every match of a lastIndex loop.
//   REGEX_DRIVER   the native driver (tests/differential/regex_driver.c)
//   REGEX_SEED     the generator's seed (default 1)
//   REGEX_PATTERNS patterns to generate (default 4000); each runs on REGEX_SUBJECTS (default 8)
// Before generating, every property and case pairing the generator uses is compared on its own
// over the subject alphabet. The two sides' Unicode versions differ (unicode-data against node's
// ICU), so a difference there may be the data's: such a difference must be listed, with its
// reason, in VERSION_DIFFERENCES; it is printed and the property (or character) left out of
// generation. Any other difference fails, and so does a listed one that no longer occurs.
import { spawnSync } from 'node:child_process';

const driver = process.env.REGEX_DRIVER;
if (!driver) {
    console.error('regex.mjs: set REGEX_DRIVER to the regex_driver binary');
    process.exit(2);
}
const seed = Number(process.env.REGEX_SEED || 1);
const PATTERNS = Number(process.env.REGEX_PATTERNS || 4000);
const SUBJECTS = Number(process.env.REGEX_SUBJECTS || 8);
const MAX_LOOP = 200; // as regex_driver's lastIndex loop

function rng(s) {
    return () => {
        s = (s + 0x6d2b79f5) | 0;
        let t = Math.imul(s ^ (s >>> 15), 1 | s);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const rand = rng(seed);
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const chance = (p) => rand() < p;

// Subjects are made of these: ASCII that the patterns use, line terminators, and characters whose
// case folding or properties are where engines go wrong (Latin Extended, the long s and the Kelvin
// sign, sharp s, Greek sigmas, dotted and dotless i, a Deseret case pair and an emoji outside
// the BMP, Cyrillic, CJK, a combining mark, a digit of another script).
const ALPHABET = [
    'a', 'b', 'c', 'k', 's', 'A', 'B', 'K', 'S', 'i', 'I', '0', '1', '9', '_', '-', ' ', '.', '\n',
    '\r', '\u2028', '\u00e9', '\u00c9', '\u0100', '\u0101', '\u0141', '\u0142', '\u017f', '\u212a',
    '\u00df', '\u1e9e', '\u03a3', '\u03c3', '\u03c2', '\u0130', '\u0131', '\u0416', '\u0436',
    '\u4e2d', '\u0301', '\u0663', '\u00b5', '\u039c', '\u{10400}', '\u{10428}', '\u{1f600}',
];
let PROPERTIES = [
    'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'N', 'Nd', 'P', 'Pd', 'S', 'Z', 'Zs', 'C', 'Cc',
    'Letter', 'Uppercase_Letter', 'gc=Ll', 'General_Category=Nd', 'punct', 'Script=Latin',
    'sc=Grek', 'Script=Cyrillic', 'scx=Latn', 'Script_Extensions=Greek', 'sc=Han', 'scx=Zyyy',
    'sc=Inherited', 'Alphabetic', 'White_Space', 'Emoji', 'Emoji_Presentation', 'ASCII', 'Any',
    'Assigned', 'ID_Start', 'ID_Continue', 'Cased', 'Case_Ignorable', 'Lowercase', 'Uppercase',
    'Changes_When_Casefolded', 'Changes_When_Uppercased', 'Diacritic', 'Math', 'Hex_Digit',
    'Extended_Pictographic', 'Grapheme_Extend', 'Dash', 'XID_Start',
];
let CASE_CHARS = ALPHABET.slice();
// "what on U+XXXX" -> why the Unicode versions disagree there.
const SCX_0301 = 'Unicode 16.0 gave U+0301 COMBINING ACUTE ACCENT Script_Extensions (Latin, Greek ' +
    'and others); in 15.0 (ScriptExtensions.txt has no row for it) its extensions are Inherited alone';
const VERSION_DIFFERENCES = {
    '\\p{scx=Latn} on U+0301': SCX_0301,
    '\\p{Script_Extensions=Greek} on U+0301': SCX_0301,
};

function runDriver(lines, env = {}) {
    const r = spawnSync(driver, ['regex'], {
        env: { ...process.env, ...env },
        input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
        maxBuffer: 1 << 30,
        encoding: 'utf8',
    });
    if (r.status !== 0) {
        console.error(`regex.mjs: driver failed (${r.status}): ${r.stderr}`);
        process.exit(1);
    }
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

// node's side, in the driver's shape. With u, V8 also tries match starts inside a surrogate pair
// (/\B/u finds a match at index 2 of "B\u{10400}B"), which ECMA-262's RegExpBuiltinExec never does:
// its search loop moves lastIndex by AdvanceStringIndex, one whole code point. So node's answer is
// also computed the way the specification searches, by a sticky copy of the pattern tried at each
// code point boundary in turn, and where the two differ and exec's answer starts or ends inside a
// pair, that is counted as a V8 deviation and the specification's answer is the one compared.
const deviations = [];
const indices = (m) => (m ? m.indices.map((p) => (p ? [p[0], p[1]] : null)) : null);
function insidePair(s, m) {
    return (m?.indices || []).some((p) => p && p.some((i) =>
        i > 0 && i < s.length && /[\ud800-\udbff]/.test(s[i - 1]) && /[\udc00-\udfff]/.test(s[i])));
}

function nodeSide(pattern, flags, subjects) {
    let re, ry;
    try {
        re = new RegExp(pattern, flags.includes('d') ? flags : flags + 'd');
        ry = new RegExp(pattern, re.flags.includes('y') ? re.flags : re.flags + 'y');
    } catch (e) {
        return { e: e.message };
    }
    const sticky = flags.includes('y');
    const unicode = flags.includes('u');
    const advance = (s, i) => i + (unicode && i < s.length && s.codePointAt(i) > 0xffff ? 2 : 1);
    // RegExpBuiltinExec from lastIndex, as the specification loops.
    function specExec(s, from) {
        for (let i = from; i <= s.length; i = advance(s, i)) {
            ry.lastIndex = i;
            const m = ry.exec(s);
            if (m || sticky) return m;
        }
        return null;
    }
    function execBoth(s, from) {
        re.lastIndex = from;
        const m = re.exec(s);
        const spec = specExec(s, from);
        const a = JSON.stringify(indices(m)), b = JSON.stringify(indices(spec));
        if (a !== b) {
            if (!insidePair(s, m)) return { m, spec, odd: true };
            deviations.push(`/${pattern}/${flags} on ${JSON.stringify(s)}: exec ${a}, spec ${b}`);
        }
        return { m: spec };
    }
    let odd = false;
    const results = subjects.map((s) => {
        const first = execBoth(s, 0);
        odd = odd || first.odd;
        const out = { m: indices(first.m) };
        if (flags.includes('g') || sticky) {
            out.a = [];
            let last = 0;
            for (let k = 0; k < MAX_LOOP; k++) {
                const x = execBoth(s, last);
                odd = odd || x.odd;
                if (!x.m) break;
                out.a.push(indices(x.m));
                last = x.m[0] === '' ? advance(s, x.m.indices[0][1]) : x.m.indices[0][1];
                if (last > s.length) break;
            }
        }
        return out;
    });
    return odd ? { odd: true, r: results } : { r: results };
}

const esc = (c) => ('^$\\.*+?()[]{}|/'.includes(c) ? '\\' + c : c);
const hex4 = (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

// ---- the version check: properties and case pairings over the alphabet, one by one ----------
const version = spawnSync(driver, ['version'], { encoding: 'utf8' }).stdout.trim();
console.log(`unicode: ours ${version} (unicode-data), node ${process.versions.unicode}`);
{
    const checks = [];
    for (const p of PROPERTIES) checks.push({ p: `^\\p{${p}}$`, f: 'u', s: ALPHABET, prop: p });
    for (const c of ALPHABET)
        for (const f of ['iu', 'i']) checks.push({ p: `^${esc(c)}$`, f, s: ALPHABET, ch: c });
    const ours = runDriver(checks.map(({ p, f, s }) => ({ p, f, s })));
    const dropProps = new Set();
    const dropChars = new Set();
    const seen = new Set();
    let unexplained = 0;
    checks.forEach((c, i) => {
        const theirs = nodeSide(c.p, c.f, c.s);
        c.s.forEach((s, k) => {
            const a = JSON.stringify(ours[i].r?.[k]?.m ?? ours[i].e);
            const b = JSON.stringify(theirs.r?.[k]?.m ?? theirs.e);
            if (a === b) return;
            const cp = 'U+' + s.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
            const what = c.prop ? `\\p{${c.prop}}` : `/${c.p}/${c.f}`;
            const key = `${what} on ${cp}`;
            seen.add(key);
            if (VERSION_DIFFERENCES[key]) {
                console.log(`version difference: ${key}: ours ${a}, node ${b}: ` +
                    `${VERSION_DIFFERENCES[key]}; left out of generation`);
                if (c.prop) dropProps.add(c.prop);
                else dropChars.add(c.ch);
            } else {
                console.log(`DIFFERENCE: ${key}: ours ${a}, node ${b}`);
                unexplained++;
            }
        });
    });
    for (const key of Object.keys(VERSION_DIFFERENCES)) {
        if (!seen.has(key)) {
            console.log(`VERSION_DIFFERENCES lists "${key}", which no longer differs`);
            unexplained++;
        }
    }
    if (unexplained) {
        console.log(`regex: 0 passed, ${unexplained} failed (property and case checks)`);
        process.exit(1);
    }
    PROPERTIES = PROPERTIES.filter((p) => !dropProps.has(p));
    CASE_CHARS = CASE_CHARS.filter((c) => !dropChars.has(c));
    console.log(`version check: ${checks.length} patterns x ${ALPHABET.length} subjects, ` +
        `${dropProps.size} properties and ${dropChars.size} characters left out`);
}

// ---- the generator ---------------------------------------------------------------------------
function genChar(u) {
    const c = pick(CASE_CHARS);
    if (chance(0.1) && c.length === 1) return hex4(c);
    if (u && chance(0.05)) return `\\u{${c.codePointAt(0).toString(16)}}`;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return esc(c);
}

function genClass(u) {
    let s = chance(0.3) ? '[^' : '[';
    const n = int(0, 4);
    for (let i = 0; i < n; i++) {
        const r = rand();
        if (r < 0.35) {
            s += genChar(u).replace(/^-$/, '\\-');
        } else if (r < 0.6) {
            const [a, b] = [pick(CASE_CHARS), pick(CASE_CHARS)].sort((x, y) =>
                x.codePointAt(0) - y.codePointAt(0));
            if (!u && (a.length > 1 || b.length > 1)) continue; // a range of surrogate halves
            s += esc(a) + '-' + esc(b);
        } else if (r < 0.85) {
            s += pick(['\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '-', '.']);
        } else if (u) {
            s += (chance(0.5) ? '\\p{' : '\\P{') + pick(PROPERTIES) + '}';
        }
    }
    return s.replace(/\\-$|-$/, '') + ']';
}

const ODD_ESCAPES = ['\\cA', '\\cz', '\\x41', '\\x4', '\\0', '\\101', '\\18', '\\8', ']', '{', '}',
    'a{', 'a{1', 'a{,2}', '\\c', '\\c1', '[\\c_]', '[\\c]', '\\k', '\\-', '\\a', '[\\d-z]', '[a-\\w]',
    '\\u{41}', '\\u00', '\\uD801\\uDC00', '[\\b]', '\\/', '[\\1]', '\\p', '\\p{L', '\\P{Latin}',
    '[\\ud801\\udc00-\\ud801\\udc28]'];

function genAtom(ctx, depth) {
    const r = rand();
    if (r < 0.3) return genChar(ctx.u);
    if (r < 0.38) return '.';
    if (r < 0.5) return genClass(ctx.u);
    if (r < 0.58) return pick(['\\d', '\\w', '\\s', '\\D', '\\W', '\\S']);
    if (r < 0.63 && ctx.u) return (chance(0.5) ? '\\p{' : '\\P{') + pick(PROPERTIES) + '}';
    if (r < 0.8 && depth < 3) {
        const kind = rand();
        if (kind < 0.4) {
            ctx.groups++;
            return '(' + genAlt(ctx, depth + 1) + ')';
        }
        if (kind < 0.55) {
            const name = 'n' + ctx.groups++;
            ctx.names.push(name);
            return `(?<${spell(name)}>` + genAlt(ctx, depth + 1) + ')';
        }
        if (kind < 0.75) return '(?:' + genAlt(ctx, depth + 1) + ')';
        return '(' + pick(['?=', '?!', '?<=', '?<!']) + genAlt(ctx, depth + 1) + ')';
    }
    if (r < 0.84) return pick(ODD_ESCAPES); // Annex B without u, mostly errors with it
    if (r < 0.87 && ctx.groups > 0) return '\\' + int(1, ctx.groups);
    if (r < 0.9 && ctx.names.length) return `\\k<${spell(pick(ctx.names))}>`;
    return pick(['^', '$', '\\b', '\\B']);
}

// A group name, sometimes with its first letter as a \u escape (read as with u in either mode).
const spell = (name) => (chance(0.2) ? pick(['\\u006e', '\\u{6e}']) + name.slice(1) : name);

function genQuant() {
    const r = rand();
    if (r < 0.65) return '';
    const q = pick(['*', '+', '?', `{${int(0, 2)}}`, `{${int(0, 2)},}`, `{${int(0, 1)},${int(1, 3)}}`]);
    return q + (chance(0.3) ? '?' : '');
}

function genSeq(ctx, depth) {
    let s = '';
    const n = int(1, 4);
    for (let i = 0; i < n; i++) {
        const a = genAtom(ctx, depth);
        s += a + (a === '^' || a === '$' || a.startsWith('(?<=') || a.startsWith('(?<!')
            ? '' : genQuant());
    }
    return s;
}

function genAlt(ctx, depth) {
    const n = chance(0.25) ? int(2, 3) : 1;
    return Array.from({ length: n }, () => genSeq(ctx, depth)).join('|');
}

function genFlags() {
    let f = '';
    for (const c of 'dgimsuy') if (chance(c === 'u' ? 0.5 : c === 'i' ? 0.4 : 0.15)) f += c;
    return f;
}

// Subjects mix the alphabet with the pattern's own characters, so that matches happen.
function genSubject(pattern) {
    const own = [...pattern.replace(/\\[pPuxk]\{?[^}]*\}?|[\\^$.*+?()[\]{}|]/g, '')];
    const n = int(0, 10);
    let s = '';
    for (let i = 0; i < n; i++) s += own.length && chance(0.6) ? pick(own) : pick(ALPHABET);
    return s;
}

const cases = [];
for (let i = 0; i < PATTERNS; i++) {
    const flags = genFlags();
    const ctx = { u: flags.includes('u'), groups: 0, names: [] };
    const p = genAlt(ctx, 0);
    cases.push({ p, f: flags, s: Array.from({ length: SUBJECTS }, () => genSubject(p)) });
}
// A search that ran out of steps is run again with a budget a hundred times larger: the answer
// it then gives is compared like any other, and one that still runs out is a difference.
const BIG_BUDGET = 100000000;
const ours = runDriver(cases);
const hitLimit = (r) => r.m === 'limit' || (r.a || []).includes('limit');
const rerun = cases.filter((c, i) => ours[i].r && ours[i].r.some(hitLimit));
const rerunResults = new Map();
if (rerun.length) {
    runDriver(rerun, { REGEX_MAX_STEPS: String(BIG_BUDGET) }).forEach((r, i) =>
        rerunResults.set(rerun[i], r));
}
let compared = 0, invalid = 0, matched = 0, failures = 0, budget = 0;
function report(msg) {
    failures++;
    if (failures <= 20) console.log('DIFFERENCE ' + msg);
}
cases.forEach((c, i) => {
    const theirs = nodeSide(c.p, c.f, c.s);
    let mine = ours[i];
    if ('e' in theirs || 'e' in mine) {
        invalid++;
        if ('e' in theirs !== 'e' in mine)
            report(`/${c.p}/${c.f}: compiles: ours ${mine.e ?? 'yes'}, node ${theirs.e ?? 'yes'}`);
        return;
    }
    if (theirs.odd) report(`/${c.p}/${c.f}: node's exec and its specification search disagree`);
    c.s.forEach((s, k) => {
        compared++;
        let r = mine.r[k];
        if (hitLimit(r)) {
            budget++;
            r = rerunResults.get(c).r[k];
        }
        const a = JSON.stringify(r);
        const b = JSON.stringify(theirs.r[k]);
        if (theirs.r[k].m) matched++;
        if (a !== b) report(`/${c.p}/${c.f} on ${JSON.stringify(s)}: ours ${a}, node ${b}`);
    });
});
if (budget)
    console.log(`${budget} searches ran out of the default step budget and were run again with ` +
        `${BIG_BUDGET} steps`);
if (deviations.length) {
    console.log(`V8 deviations (a match inside a surrogate pair under u; compared with the ` +
        `specification's search instead): ${deviations.length}, e.g.`);
    for (const d of deviations.slice(0, 3)) console.log('  ' + d);
}
console.log(`regex: seed ${seed}, ${PATTERNS} patterns (${invalid} refused by both or either) x ` +
    `${SUBJECTS} subjects: ${compared} compared, ${matched} matching, ${failures} differences`);
console.log(`regex: ${compared + invalid - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
