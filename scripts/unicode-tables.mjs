// Generates shared/unicode's tables (a C file) from the Unicode Character Database as Debian's
// unicode-data package installs it. Run by the build for the native and the WASM targets alike:
//   node scripts/unicode-tables.mjs UCD_DIR OUTPUT.c
// The tables: every General_Category value and group, Script and Script_Extensions for each
// script, the binary properties ECMA-262 lists for \p{...}, simple case folding, the simple and
// full (unconditional) case mappings, and the canonicalisation of non-Unicode-mode regexes.
import fs from 'node:fs';
import path from 'node:path';

const [ucd, out] = process.argv.slice(2);
if (!ucd || !out) {
    console.error('usage: node unicode-tables.mjs UCD_DIR OUTPUT.c');
    process.exit(2);
}
const MAX = 0x10ffff;

function read(name) {
    const file = path.join(ucd, name);
    if (!fs.existsSync(file)) {
        console.error(`unicode-tables: ${file} not found (install Debian's unicode-data package)`);
        process.exit(1);
    }
    return fs.readFileSync(file, 'utf8');
}

// Rows of a UCD data file: comment stripped, fields trimmed, empty lines dropped.
function rows(name) {
    return read(name)
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter((l) => l)
        .map((l) => l.split(';').map((f) => f.trim()));
}

function cpRange(field) {
    const [a, b] = field.split('..');
    return [parseInt(a, 16), parseInt(b ?? a, 16)];
}

// Sorts and merges a list of [lo, hi] ranges.
function normalise(list) {
    list.sort((a, b) => a[0] - b[0]);
    const out = [];
    for (const [lo, hi] of list) {
        const last = out[out.length - 1];
        if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
        else out.push([lo, hi]);
    }
    return out;
}

const version = (read('ReadMe.txt').match(/Version (\d+\.\d+\.\d+)/) ||
    read('DerivedAge.txt').match(/DerivedAge-(\d+\.\d+\.\d+)/))[1];

// ---- General_Category ----
const gcOf = new Array(MAX + 1);
for (const [f, v] of rows('extracted/DerivedGeneralCategory.txt')) {
    const [lo, hi] = cpRange(f);
    for (let c = lo; c <= hi; c++) gcOf[c] = v;
}
const props = []; // {kind, name, set}
const aliases = []; // [kind, alias, propIndex]
const gcGroups = {};
const gcValueNames = {};
for (const r of rows('PropertyValueAliases.txt')) {
    if (r[0] !== 'gc') continue;
    gcValueNames[r[1]] = r.slice(1);
}
for (const line of read('PropertyValueAliases.txt').split('\n')) {
    const m = line.match(/^gc ; (\w+)\s*;.*#\s*(.*)$/);
    if (m) gcGroups[m[1]] = m[2].split('|').map((s) => s.trim());
}
function addProp(kind, names, list) {
    const idx = props.length;
    props.push({ kind, name: names[0], list });
    for (const n of new Set(names)) aliases.push([kind, n, idx]);
    return idx;
}
// Range lists built by one ascending pass over the code space: add extends the last range.
function add(list, c) {
    const last = list[list.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else list.push([c, c]);
}
const gcLists = {};
for (const [short, names] of Object.entries(gcValueNames)) gcLists[short] = [];
const gcParents = {};
for (const [group, leaves] of Object.entries(gcGroups))
    for (const leaf of leaves) (gcParents[leaf] ||= []).push(group);

// ---- Script and Script_Extensions ----
const scriptNames = {};
for (const r of rows('PropertyValueAliases.txt')) if (r[0] === 'sc') scriptNames[r[1]] = r.slice(1);
const longToShort = {};
for (const [short, names] of Object.entries(scriptNames)) longToShort[names[1]] = short;
const scOf = new Array(MAX + 1).fill('Zzzz');
for (const [f, v] of rows('Scripts.txt')) {
    const [lo, hi] = cpRange(f);
    for (let c = lo; c <= hi; c++) scOf[c] = longToShort[v];
}
const scxOf = new Map();
for (const [f, v] of rows('ScriptExtensions.txt')) {
    const [lo, hi] = cpRange(f);
    for (let c = lo; c <= hi; c++) scxOf.set(c, v.split(/\s+/));
}
const scLists = {}, scxLists = {};
for (const short of Object.keys(scriptNames)) {
    scLists[short] = [];
    scxLists[short] = [];
}
for (let c = 0; c <= MAX; c++) {
    add(gcLists[gcOf[c]], c);
    for (const g of gcParents[gcOf[c]] || []) add(gcLists[g], c);
    add(scLists[scOf[c]], c);
    for (const s of scxOf.get(c) || [scOf[c]]) add(scxLists[s], c);
}
for (const [short, names] of Object.entries(gcValueNames)) addProp('GC', names, gcLists[short]);
for (const [short, names] of Object.entries(scriptNames)) {
    addProp('SC', names, scLists[short]);
    addProp('SCX', names, scxLists[short]);
}

// ---- binary properties (ECMA-262, table "Binary Unicode property aliases") ----
const ECMA_BINARY = `ASCII ASCII_Hex_Digit Alphabetic Any Assigned Bidi_Control Bidi_Mirrored
Case_Ignorable Cased Changes_When_Casefolded Changes_When_Casemapped Changes_When_Lowercased
Changes_When_NFKC_Casefolded Changes_When_Titlecased Changes_When_Uppercased Dash
Default_Ignorable_Code_Point Deprecated Diacritic Emoji Emoji_Component Emoji_Modifier
Emoji_Modifier_Base Emoji_Presentation Extended_Pictographic Extender Grapheme_Base
Grapheme_Extend Hex_Digit IDS_Binary_Operator IDS_Trinary_Operator ID_Continue ID_Start
Ideographic Join_Control Logical_Order_Exception Lowercase Math Noncharacter_Code_Point
Pattern_Syntax Pattern_White_Space Quotation_Mark Radical Regional_Indicator Sentence_Terminal
Soft_Dotted Terminal_Punctuation Unified_Ideograph Uppercase Variation_Selector White_Space
XID_Continue XID_Start`.split(/\s+/);
const binary = {};
for (const name of ECMA_BINARY) binary[name] = [];
for (const file of ['PropList.txt', 'DerivedCoreProperties.txt', 'emoji/emoji-data.txt',
    'extracted/DerivedBinaryProperties.txt', 'DerivedNormalizationProps.txt']) {
    for (const r of rows(file)) {
        if (r.length !== 2 || !binary[r[1]]) continue;
        binary[r[1]].push(cpRange(r[0]));
    }
}
binary.Any.push([0, MAX]);
binary.ASCII.push([0, 0x7f]);
for (let c = 0; c <= MAX; c++) if (gcOf[c] !== 'Cn') add(binary.Assigned, c);
const propAlias = {};
for (const r of rows('PropertyAliases.txt')) propAlias[r[1]] = r[0];
for (const name of ECMA_BINARY) {
    const names = [name];
    if (propAlias[name] && propAlias[name] !== name) names.push(propAlias[name]);
    addProp('BINARY', names, normalise(binary[name]));
}

// ---- case mappings ----
const simpleUpper = [], simpleLower = [];
for (const r of rows('UnicodeData.txt')) {
    const c = parseInt(r[0], 16);
    if (r[12]) simpleUpper.push([c, parseInt(r[12], 16)]);
    if (r[13]) simpleLower.push([c, parseInt(r[13], 16)]);
}
const specialUpper = [], specialLower = [];
for (const r of rows('SpecialCasing.txt')) {
    if (r.length > 4 && r[4]) continue; // conditional (language or context): not in the defaults
    const c = parseInt(r[0], 16);
    const lower = r[1].split(/\s+/).map((h) => parseInt(h, 16));
    const upper = r[3].split(/\s+/).map((h) => parseInt(h, 16));
    if (!(lower.length === 1 && lower[0] === c)) specialLower.push([c, lower]);
    if (!(upper.length === 1 && upper[0] === c)) specialUpper.push([c, upper]);
}
const fold = [];
for (const r of rows('CaseFolding.txt')) {
    if (r[1] === 'C' || r[1] === 'S') fold.push([parseInt(r[0], 16), parseInt(r[2], 16)]);
}
// Non-Unicode-mode canonicalisation (ECMA-262 Canonicalize with rer.[[Unicode]] false) over code
// units: the full uppercase when it is one code unit, never from non-ASCII to ASCII.
const upperOf = new Map(simpleUpper);
const specialUpperOf = new Map(specialUpper);
const canonNonU = [];
for (let c = 0; c <= 0xffff; c++) {
    const full = specialUpperOf.get(c) || [upperOf.get(c) ?? c];
    if (full.length !== 1 || full[0] > 0xffff) continue;
    const cu = full[0];
    if (cu === c || (c >= 128 && cu < 128)) continue;
    canonNonU.push([c, cu]);
}

// ---- output ----
// Each property's ranges as a byte stream: per range, the gap from the end of the previous one and
// the range's length less one, each a little-endian base-128 number (about 2.5 bytes a range
// instead of 8). Identical lists (a script whose extensions add nothing, say) are stored once.
const bytes = [];
const propRows = [];
const stored = new Map();
function varint(n) {
    do {
        bytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
        n = Math.floor(n / 128);
    } while (n > 0);
}
for (const p of props) {
    const key = p.list.join(' ');
    if (!stored.has(key)) {
        stored.set(key, bytes.length);
        let next = 0;
        for (const [lo, hi] of p.list) {
            varint(lo - next);
            varint(hi - lo);
            next = hi + 1;
        }
    }
    propRows.push(`    {UNICODE_${p.kind}, ${stored.get(key)}, ${p.list.length}}, /* ${p.name} */`);
}
const plain = (name) => {
    const list = props[aliases.find((a) => a[0] === 'BINARY' && a[1] === name)[2]].list;
    return { text: wrap(list.map(([a, b]) => `{${hex(a)}, ${hex(b)}}`).join(', ')), n: list.length };
};
// Sorted as the C side searches: by kind (enum unicode_kind's order), then by name (strcmp).
const KIND_ORDER = { GC: 0, SC: 1, SCX: 2, BINARY: 3 };
aliases.sort((a, b) => KIND_ORDER[a[0]] - KIND_ORDER[b[0]] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
const hex = (n) => '0x' + n.toString(16);
function pairs(list) {
    list.sort((a, b) => a[0] - b[0]);
    return list.map(([a, b]) => `{${hex(a)}, ${hex(b)}}`).join(', ');
}
function specials(list) {
    list.sort((a, b) => a[0] - b[0]);
    return list
        .map(([c, m]) => `{${hex(c)}, ${m.length}, {${m.map(hex).join(', ')}}}`)
        .join(',\n    ');
}
function wrap(text) {
    const parts = text.split(', ');
    const lines = [];
    let cur = '   ';
    for (const p of parts) {
        if (cur.length + p.length + 2 > 100) {
            lines.push(cur.trimEnd());
            cur = '   ';
        }
        cur += ' ' + p + ',';
    }
    lines.push(cur);
    return lines.join('\n');
}
const c = `/* Generated by scripts/unicode-tables.mjs from the Unicode Character Database ${version}. */
#include "unicode/tables.h"

const char UNICODE_TABLES_VERSION[] = "${version}";

const uint8_t UNICODE_RANGE_BYTES[] = {
${wrap(bytes.map(String).join(', '))}
};

const struct unicode_range UNICODE_CASED[] = {
${plain('Cased').text}
};
const int UNICODE_NCASED = ${plain('Cased').n};

const struct unicode_range UNICODE_CASE_IGNORABLE[] = {
${plain('Case_Ignorable').text}
};
const int UNICODE_NCASE_IGNORABLE = ${plain('Case_Ignorable').n};

const struct unicode_property UNICODE_PROPERTIES[] = {
${propRows.join('\n')}
};
const int UNICODE_NPROPERTIES = ${props.length};

const struct unicode_alias UNICODE_ALIASES[] = {
${aliases.map(([k, n, i]) => `    {UNICODE_${k}, "${n}", ${i}},`).join('\n')}
};
const int UNICODE_NALIASES = ${aliases.length};

const struct unicode_pair UNICODE_FOLD[] = {
${wrap(pairs(fold))}
};
const int UNICODE_NFOLD = ${fold.length};

const struct unicode_pair UNICODE_CANON_NONU[] = {
${wrap(pairs(canonNonU))}
};
const int UNICODE_NCANON_NONU = ${canonNonU.length};

const struct unicode_pair UNICODE_UPPER[] = {
${wrap(pairs(simpleUpper))}
};
const int UNICODE_NUPPER = ${simpleUpper.length};

const struct unicode_pair UNICODE_LOWER[] = {
${wrap(pairs(simpleLower))}
};
const int UNICODE_NLOWER = ${simpleLower.length};

const struct unicode_special UNICODE_SPECIAL_UPPER[] = {
    ${specials(specialUpper)}
};
const int UNICODE_NSPECIAL_UPPER = ${specialUpper.length};

const struct unicode_special UNICODE_SPECIAL_LOWER[] = {
    ${specials(specialLower)}
};
const int UNICODE_NSPECIAL_LOWER = ${specialLower.length};
`;
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out + '.tmp', c);
fs.renameSync(out + '.tmp', out);
