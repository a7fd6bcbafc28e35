// Differential test of $uppercase / $lowercase (the JSONata engine, through regex_driver) against
// node's String.prototype.toUpperCase / toLowerCase over every code point, lone surrogates
// included, and over generated strings for the one contextual rule (Final_Sigma).
// The tables come from Debian's unicode-data, node's from its own ICU, and their Unicode versions
// differ. A code point may then legitimately differ in two ways, each printed, never skipped:
//  - it is unassigned in our tables but assigned in node's (a character added since): checked by
//    the driver's own Assigned flag and node's \p{Cn};
//  - its mapping changed in a later version: listed with the reason in LATER_CHANGES below.
// Anything else fails, and so does a LATER_CHANGES entry that no longer differs.
import { spawnSync } from 'node:child_process';

const driver = process.env.REGEX_DRIVER;
if (!driver) {
    console.error('case.mjs: set REGEX_DRIVER to the regex_driver binary');
    process.exit(2);
}
const version = spawnSync(driver, ['version'], { encoding: 'utf8' }).stdout.trim();
console.log(`unicode: ours ${version} (unicode-data), node ${process.versions.unicode}`);

// Code point (hex) -> why a later Unicode version maps it differently.
const LATER_CHANGES = {
    '19B': 'Unicode 16.0 added its capital, U+A7DC LATIN CAPITAL LETTER LAMBDA WITH STROKE',
    '264': 'Unicode 16.0 added its capital, U+A7CB LATIN CAPITAL LETTER RAMS HORN',
    A7D3: 'Unicode 17.0 added its capital, U+A7D2 LATIN CAPITAL LETTER DOUBLE THORN',
    A7D5: 'Unicode 17.0 added its capital, U+A7D4 LATIN CAPITAL LETTER DOUBLE WYNN',
};

const out = spawnSync(driver, ['case'], { encoding: 'utf8', maxBuffer: 1 << 30 });
if (out.status !== 0) {
    console.error(`case.mjs: driver failed (${out.status}): ${out.stderr}`);
    process.exit(1);
}
const hexes = (s) => [...s].map((c) => c.codePointAt(0).toString(16).toUpperCase()).join('.');
const unassignedInNode = /^\p{Cn}$/u;
let checked = 0, newer = 0, later = 0, failures = 0;
const newerExamples = [];
const seen = new Set();
for (const line of out.stdout.split('\n')) {
    if (!line) continue;
    const [cpHex, up, low, assigned] = line.split(' ');
    const cp = parseInt(cpHex, 16);
    const s = String.fromCodePoint(cp);
    checked++;
    const wantUp = hexes(s.toUpperCase()), wantLow = hexes(s.toLowerCase());
    if (up === wantUp && low === wantLow) continue;
    const what = `U+${cpHex}: ours upper ${up} lower ${low}, node upper ${wantUp} lower ${wantLow}`;
    if (assigned === '0' && !unassignedInNode.test(s)) {
        newer++;
        if (newerExamples.length < 5) newerExamples.push(what);
    } else if (LATER_CHANGES[cpHex]) {
        later++;
        seen.add(cpHex);
        console.log(`later change: ${what}: ${LATER_CHANGES[cpHex]}`);
    } else {
        failures++;
        if (failures <= 30) console.log(`DIFFERENCE ${what}`);
    }
}
for (const cp of Object.keys(LATER_CHANGES)) {
    if (!seen.has(cp)) {
        failures++;
        console.log(`LATER_CHANGES lists U+${cp}, which no longer differs`);
    }
}
console.log(`${newer} code points differ because they are unassigned in Unicode ${version} and ` +
    `assigned in node's ${process.versions.unicode}, e.g.`);
for (const e of newerExamples) console.log('  ' + e);

// Final_Sigma and the one-to-many mappings in context: generated strings, seeded.
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const pieces = ['Σ', 'σ', 'ς', 'Α', 'α', ' ', '.', "'", '\u0301', '\u00ad', 'ß', 'İ', 'ŉ', 'ΐ',
    'ﬃ', 'A', 'a', '1', '\u{10400}', '\u{10428}', 'ǅ', 'Ω'];
const strings = [];
for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = 1 + Math.floor(rand() * 8);
    for (let k = 0; k < n; k++) s += pieces[Math.floor(rand() * pieces.length)];
    strings.push(s);
}
const mapped = spawnSync(driver, ['map'], {
    input: strings.map((s) => JSON.stringify(s)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
});
if (mapped.status !== 0) {
    console.error(`case.mjs: driver failed (${mapped.status}): ${mapped.stderr}`);
    process.exit(1);
}
const results = mapped.stdout.trim().split('\n').map((l) => JSON.parse(l));
let strFailures = 0;
strings.forEach((s, i) => {
    const [up, low] = results[i];
    if (up !== s.toUpperCase() || low !== s.toLowerCase()) {
        strFailures++;
        if (strFailures <= 10)
            console.log(`DIFFERENCE ${JSON.stringify(s)}: ours ${JSON.stringify([up, low])}, ` +
                `node ${JSON.stringify([s.toUpperCase(), s.toLowerCase()])}`);
    }
});
console.log(`case: ${checked} code points (${newer} newer than our tables, ${later} changed ` +
    `later), ${strings.length} strings in context`);
console.log(`case: ${checked + strings.length - failures - strFailures} passed, ` +
    `${failures + strFailures} failed`);
process.exit(failures + strFailures ? 1 : 0);
