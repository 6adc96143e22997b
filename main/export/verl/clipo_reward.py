"""Clipo Workbench reward for verl: the run's verifiers, as the desktop trainer scores them.

Shipped in every verl bundle and wired through
  custom_reward_function.path=<bundle>/clipo_reward.py custom_reward_function.name=compute_score
verl calls compute_score(data_source, solution_str, ground_truth, extra_info) once per response
(verl/trainer/ppo/reward.py get_custom_reward_fn; reward managers naive and dapo). It returns
{"score": sum of weight * value, "acc": 1.0 when every answer component judged the answer correct};
"acc" is the metric the DAPO recipe's dynamic sampling filters on (algorithm.filter_groups.metric=acc),
the same rule accuracy the desktop trainer filters on.

The reward spec (components, weights, params) is read from reward_spec.json beside this file.
Python standard library only. A line-by-line port of main/rl/verifiers (docs/VERIFIERS.md);
test/export/verlReward.test.ts runs both on shared cases (test/export/verlRewardCases.json).
Components that need token counts are not computed here: `overlong` is verl's own DAPO reward
manager shaping (reward_model.overlong_buffer, set by the bundle); `lengthPenalty` is refused at export.

Command line (for checks): python3 clipo_reward.py score < cases.jsonl > results.jsonl
  each input line {"components": [...], "completion": "...", "answer": "...", "choices": [...]}
  or python3 clipo_reward.py rows < rows.jsonl (verl rows + "response"), or mathEqual pairs.
"""
import cmath
import json
import math
import os
import re
import sys
from fractions import Fraction

MAX_STRUCTURED_CHARS = 5000
MAX_EXPRESSION_CHARS = 200

# ---------------------------------------------------------------- extraction (math/afterThink.ts, extractBoxed.ts, lastNumber.ts)


def after_think(text):
    at = text.rfind('</think>')
    return text if at < 0 else text[at + len('</think>'):]


def _next_command(text, name, frm):
    at = text.find(name, frm)
    while at >= 0:
        nxt = text[at + len(name):at + len(name) + 1]
        if nxt == '' or not re.match(r'[a-zA-Z]', nxt):
            return at
        at = text.find(name, at + 1)
    return -1


def _last_command_before(text, name, before):
    at = -1 if before <= 0 else text.rfind(name, 0, before - 1 + len(name))
    while at >= 0:
        nxt = text[at + len(name):at + len(name) + 1]
        if nxt == '' or not re.match(r'[a-zA-Z]', nxt):
            return at
        at = -1 if at == 0 else text.rfind(name, 0, at - 1 + len(name))
    return -1


def _read_box(text, start):
    """(status, content, end) with status ok | empty | unbalanced | none (extractBoxed.ts readBox)."""
    i = start + (len('\\boxed') if text.startswith('\\boxed', start) else len('\\fbox'))
    after_name = i
    while i < len(text) and text[i] in ' \t':
        i += 1
    if i >= len(text) or text[i] != '{':
        if i == after_name:
            return ('none', None, i)
        end = i
        while end < len(text) and not re.match(r'[\s$]', text[end]):
            end += 1
        token = text[i:end]
        return ('empty', None, end) if len(token) == 0 else ('ok', token, end)
    j = match_brace(text, i)
    if j >= 0:
        content = _js_trim(text[i + 1:j])
        return ('empty', None, j + 1) if len(content) == 0 else ('ok', content, j + 1)
    return ('unbalanced', None, len(text))


def extract_boxed(text):
    """('ok', content) or (status, None) with status none | unbalanced | empty; an empty box is skipped."""
    before = len(text)
    saw_empty = False
    while True:
        start = max(_last_command_before(text, '\\boxed', before), _last_command_before(text, '\\fbox', before))
        if start < 0:
            return ('empty' if saw_empty else 'none', None)
        status, content, _ = _read_box(text, start)
        if status != 'empty':
            return (status, content) if status == 'ok' else (status, None)
        saw_empty = True
        before = start


def all_boxes(text):
    """Every top-level non-empty box, in order; stops at an unbalanced one."""
    out = []
    frm = 0
    while True:
        a, b = _next_command(text, '\\boxed', frm), _next_command(text, '\\fbox', frm)
        start = b if a < 0 else a if b < 0 else min(a, b)
        if start < 0:
            return out
        status, content, end = _read_box(text, start)
        if status == 'unbalanced':
            return out
        if status == 'ok':
            out.append(content)
        frm = end


def last_number(text, which):
    found = None
    for m in re.finditer(r'[-\u2212]?[0-9](?:,?[0-9])*(?:\.[0-9]+)?', text):
        found = m.group(0)
        if which == 'first':
            break
    if found is None or len(found) > 100:
        return None
    return found.replace('\u2212', '-', 1).replace(',', '')


# ---------------------------------------------------------------- normalisation (math/normalizeAnswer.ts)

_JS_WS = ' \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'


def _js_trim(s):
    return s.strip(_JS_WS)


_UNICODE = [
    (r'[\u2212\u2012\u2013\u2014\u2010\u2011\uFE63\uFF0D]', '-'),
    (r'\u00D7', '\\\\times '),
    (r'\u00F7', '\\\\div '),
    (r'[\u22C5\u00B7]', '\\\\cdot '),
    (r'\u03C0', '\\\\pi '),
    (r'\u221E', '\\\\infty '),
    (r'\u221A', '\\\\sqrt'),
    (r'\u00B0', ''),
    (r'[\u00A0\u2009\u202F\u2007\u2008\u200A\u200B\u3000]', ' '),
]
_WRAPPERS = re.compile(r'\\(?:text|textbf|textit|textrm|textnormal|textup|mathrm|mathbf|mathit|mathsf|mathtt|mbox|hbox|boxed|fbox)\s*\{')
_UNITS = [
    'square units', 'sq units', 'units', 'unit',
    'miles per hour', 'km/h', 'mph', 'kph', 'm/s',
    'centimeters', 'centimetres', 'centimeter', 'centimetre', 'cm',
    'millimeters', 'millimeter', 'mm', 'kilometers', 'kilometer', 'km',
    'meters', 'metres', 'meter', 'metre',
    'inches', 'inch', 'feet', 'foot', 'ft', 'yards', 'yard', 'miles', 'mile',
    'kilograms', 'kilogram', 'kg', 'grams', 'gram', 'pounds', 'pound', 'lbs', 'lb', 'ounces', 'ounce', 'oz',
    'liters', 'litres', 'liter', 'litre', 'ml', 'gallons', 'gallon',
    'dollars', 'dollar', 'cents', 'cent', 'euros', 'euro',
    'degrees', 'degree', 'radians', 'radian',
    'seconds', 'second', 'sec', 'minutes', 'minute', 'min', 'hours', 'hour', 'hrs', 'hr',
    'days', 'day', 'weeks', 'week', 'months', 'month', 'years', 'year',
    'people', 'students', 'apples', 'items', 'ways', 'times',
]
_UNIT_RE = re.compile(
    r'[0-9}).]\s*(?:square\s+|sq\.?\s*|cubic\s+)?(?:' + '|'.join(re.escape(u) for u in _UNITS)
    + r')(?:\^\{?[23]\}?|\s+squared|\s+cubed)?\Z', re.I)
_UNIT_TAIL = 80
_CONNECTIVES = {
    'and', 'or', 'nor', 'but', 'not', 'no', 'never', 'cannot', 'except', 'either', 'neither', 'than', 'to', 'between',
    'approximately', 'approx', 'about', 'around', 'roughly', 'nearly', 'almost', 'maybe', 'perhaps', 'probably', 'possibly',
    'over', 'under', 'least', 'most', 'more', 'less', 'fewer', 'greater', 'plus', 'minus', 'times', 'divided', 'per',
    'wrong', 'incorrect', 'false', 'impossible', 'invalid', 'undefined', 'none', 'unknown', 'if', 'unless', 'also', 'only',
}
_MATH_WORDS = {'pi', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'log', 'ln', 'exp', 'sqrt', 'abs', 'mod', 'deg', 'rad'}


def _has_connective(text):
    return any(w in _CONNECTIVES or w.endswith("n't") for w in re.split(r'[\s.]+', text.lower()))


def _number_in_sentence(s):
    if len(s) > 120 or not re.search(r'[a-zA-Z]{2}', s) or re.search(r'[\\^_{}=<>+*/()\[\]]', s):
        return s
    tokens = re.split(r'\s+', _js_trim(re.sub(r'[:;!?]', ' ', s)))
    if len(tokens) > 13:
        return s
    numbers = [t for t in tokens if re.fullmatch(r'-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?[.,]?', t)]
    if len(numbers) != 1:
        return s
    words = [re.sub(r"'s\Z", '', re.sub(r'[.,\'"]+\Z', '', t)).lower() for t in tokens if t != numbers[0]]
    plain = all(re.fullmatch(r'[a-z]{2,}', w) and w not in _MATH_WORDS for w in words)
    if not plain or len(words) == 0 or _has_connective(' '.join(words)):
        return s
    return re.sub(r'[.,]\Z', '', numbers[0])


def _repeating_decimal(s):
    def sub(m):
        pre, sign, a, b = m.group(1), m.group(2), m.group(3), m.group(4)
        c = m.group(5) if m.group(5) is not None else (m.group(6) or '')
        if len(a) + len(b) > 40:
            return m.group(0)
        whole = int(a + b + c or '0') - int(a + b or '0')
        den = (10 ** len(c) - 1) * 10 ** len(b)
        return f'{pre}{sign}\\frac{{{whole}}}{{{den}}}'
    return re.sub(r'(^|[^0-9.])(-?)([0-9]*)\.([0-9]*)\\(?:overline|dot)\s*(?:\{([0-9]{1,20})\}|([0-9]))(?![0-9.])', sub, s)


def match_brace(s, open_at):
    depth = 0
    j = open_at
    while j < len(s):
        c = s[j]
        if c == '\\':
            j += 2
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _unwrap_commands(s):
    for _ in range(64):
        m = _WRAPPERS.search(s)
        if not m:
            break
        open_at = m.end() - 1
        close = match_brace(s, open_at)
        if close < 0:
            s = s[:m.start()] + s[open_at + 1:]
        else:
            s = s[:m.start()] + s[open_at + 1:close] + s[close + 1:]
    return s


def _strip_trailing(s):
    out = s.rstrip(_JS_WS)
    while True:
        nxt = re.sub(r'(?:\\\.|\\\\|[.,;!])\Z', '', out).rstrip(_JS_WS)
        if nxt == out:
            return out
        out = nxt


def _remove_spaces(s):
    s = re.sub(r'(\\[a-zA-Z]+)\s+(?=[a-zA-Z])', '\\1\u0000', s)
    return re.sub(r'\s+', '', s).replace('\u0000', ' ')


def normalize_answer(raw):
    s = raw
    for pat, to in _UNICODE:
        s = re.sub(pat, to, s)
    s = _js_trim(s)
    unit_text = re.search(r'\\(?:text|mbox)\{\s+([a-zA-Z][a-zA-Z .]{0,40})\}\s*(?:\^\{?[23]\}?)?[.\s]*\Z', s)
    if unit_text and unit_text.start() > 0 and not _has_connective(unit_text.group(1)):
        s = s[:unit_text.start()]
    s = _unwrap_commands(s)
    s = _repeating_decimal(s)
    s = re.sub(r'\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|displaystyle|textstyle)(?![a-zA-Z])', '', s)
    s = re.sub(r'\\[dt]frac(?![a-zA-Z])', r'\\frac', s)
    s = re.sub(r'\\(?:quad|qquad)(?![a-zA-Z])', ' ', s)
    s = re.sub(r'\\(\\|[!,;: ])', lambda m: m.group(0) if m.group(0) == '\\\\' else ' ', s)
    s = s.replace('~', ' ').replace('{,}', ',')
    s = re.sub(r'\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])', '', s)
    s = re.sub(r'\\%|%', '', s)
    s = _js_trim(re.sub(r'\\\$|\$', '', s))
    s = _strip_trailing(s)
    tail_from = max(0, len(s) - _UNIT_TAIL)
    unit = _UNIT_RE.search(s[tail_from:])
    if unit:
        s = _strip_trailing(_js_trim(s[:tail_from + unit.start() + 1]))
    lhs = (re.match(r'[a-zA-Z][a-zA-Z0-9]?(?:_\{?[a-zA-Z0-9]+\}?)?\s*=\s*', s)
           or re.match(r'[a-zA-Z](?:_\{?[a-zA-Z0-9]+\}?)?(?:\^\{?-1\}?)?\s*\(\s*[a-zA-Z](?:\s*,\s*[a-zA-Z]){0,3}\s*\)\s*=\s*', s)
           or re.match(r'[a-zA-Z]\s*\\in(?![a-zA-Z])\s*', s))
    if lhs and '=' not in s[lhs.end():]:
        s = s[lhs.end():]
    s = _number_in_sentence(s)
    s = re.sub(r'^(-?[0-9]+)\s+([0-9]+)/([0-9]+)\Z', r'\1\\frac{\2}{\3}', s)
    s = _remove_spaces(s)
    if re.match(r'[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\Z', s):
        s = s.replace(',', '')
    if s.startswith('+'):
        s = s[1:]
    s = re.sub(r'\\frac([0-9])([0-9])', r'\\frac{\1}{\2}', s)
    s = re.sub(r'\\frac([0-9])\{', r'\\frac{\1}{', s)
    s = re.sub(r'\\frac\{([^{}]*)\}([0-9])', r'\\frac{\1}{\2}', s)
    s = re.sub(r'\\sqrt([0-9])', r'\\sqrt{\1}', s)
    s = re.sub(r'(^|[^0-9])\.([0-9])', r'\g<1>0.\2', s)
    return _strip_trailing(s)


# ---------------------------------------------------------------- lists (math/splitList.ts)


def split_top(s, sep):
    items = []
    depth = 0
    frm = 0
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\':
            if depth == 0 and s.startswith(sep, i) and sep.startswith('\\'):
                items.append(s[frm:i])
                frm = i + len(sep)
                i += len(sep)
                continue
            nxt = s[i + 1:i + 2]
            if nxt in ('{', '[', '('):
                depth += 1
            elif nxt in ('}', ']', ')'):
                depth -= 1
            i += 2
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        elif depth == 0 and c == sep:
            items.append(s[frm:i])
            frm = i + 1
        if depth < 0:
            return None
        i += 1
    if depth != 0:
        return None
    items.append(s[frm:])
    return items


def split_list(s):
    opn, cls, body = '', '', s
    if s.startswith('\\{') and s.endswith('\\}') and len(s) >= 4:
        opn, cls, body = '\\{', '\\}', s[2:-2]
    elif re.match(r'[(\[]', s) and re.search(r'[)\]]\Z', s):
        opn, cls, body = s[0], s[-1], s[1:-1]
    items = split_top(body, ',')
    if items is None:
        return None
    if len(items) < 2:
        return (opn, cls, items) if opn == '\\{' and len(items) == 1 else None
    return None if len(items) > 1000 else (opn, cls, items)


# ---------------------------------------------------------------- LaTeX to expression text (math/latexToMathjs.ts)

_SIMPLE = {'cdot': '*', 'times': '*', 'div': '/', 'pi': ' pi ', 'sin': ' sin', 'cos': ' cos', 'tan': ' tan',
           'ln': ' log', 'log': ' log', 'exp': ' exp'}


def latex_to_expr(latex):
    mixed = re.match(r'(-?)([0-9]+)\\frac\{([0-9]+)\}\{([0-9]+)\}\Z', latex)
    if mixed:
        return f'{mixed.group(1)}({mixed.group(2)}+({mixed.group(3)})/({mixed.group(4)}))'
    out = _convert(latex, 0)
    if out is None or len(out) > 4 * MAX_EXPRESSION_CHARS:
        return None
    return out if re.fullmatch(r'[0-9a-zA-Z.+\-*/^(), ]*', out) else None


def _group(s, at, depth):
    i = at
    while i < len(s) and s[i] == ' ':
        i += 1
    if i >= len(s) or s[i] != '{':
        return None
    close = match_brace(s, i)
    if close < 0:
        return None
    text = _convert(s[i + 1:close], depth + 1)
    return None if text is None else (text, close + 1)


def _convert(s, depth):
    if depth > 20:
        return None
    out = ''
    i = 0
    while i < len(s):
        c = s[i]
        if c != '\\':
            out += '(' if c == '{' else ')' if c == '}' else c
            i += 1
            continue
        m = re.match(r'\\([a-zA-Z]+)', s[i:i + 20])
        if not m:
            return None
        name = m.group(1)
        i += len(name) + 1
        if name == 'frac':
            num = _group(s, i, depth)
            if not num:
                return None
            den = _group(s, num[1], depth)
            if not den:
                return None
            out += f'(({num[0]})/({den[0]}))'
            i = den[1]
        elif name == 'sqrt':
            index = None
            if i < len(s) and s[i] == '[':
                close = s.find(']', i)
                if close < 0:
                    return None
                index = _convert(s[i + 1:close], depth + 1)
                if index is None:
                    return None
                i = close + 1
            arg = _group(s, i, depth)
            if not arg:
                return None
            out += f' sqrt(({arg[0]}))' if index is None else f' nthRoot(({arg[0]}),({index}))'
            i = arg[1]
        elif name in _SIMPLE:
            out += _SIMPLE[name]
        else:
            return None
    return out


# ---------------------------------------------------------------- exact rationals (math/exactRational.ts)

_MAX_EXP = 1000
_MAX_BITS = 100_000


def _bits(x):
    return len(format(abs(x), 'x')) * 4


class _Bound(Exception):
    pass


def _make(fr):
    if _bits(fr.numerator) > _MAX_BITS or _bits(fr.denominator) > _MAX_BITS:
        raise _Bound('number too large')
    return fr


class _RatParser:
    def __init__(self, s):
        self.s, self.i, self.decimal = s, 0, False

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ''

    def expression(self):
        acc = self.term()
        while self.peek() in ('+', '-') and self.peek():
            c = self.peek()
            self.i += 1
            rhs = self.term()
            acc = _make(acc + rhs if c == '+' else acc - rhs)
        return acc

    def term(self):
        acc = self.unary()
        while self.peek() in ('*', '/') and self.peek():
            c = self.peek()
            self.i += 1
            rhs = self.unary()
            if c == '/' and rhs == 0:
                raise _Bound('division by zero')
            acc = _make(acc * rhs if c == '*' else acc / rhs)
        return acc

    def unary(self):
        c = self.peek()
        if c in ('-', '+') and c:
            self.i += 1
            v = self.unary()
            return -v if c == '-' else v
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() != '^':
            return base
        self.i += 1
        e = self.unary()
        if e.denominator != 1:
            raise _Bound('non-integer exponent')
        e = e.numerator
        if abs(e) > _MAX_EXP:
            raise _Bound('exponent too large')
        if max(_bits(base.numerator), _bits(base.denominator)) * abs(e) > _MAX_BITS:
            raise _Bound('power too large')
        if e < 0 and base == 0:
            raise _Bound('division by zero')
        return _make(base ** e)

    def atom(self):
        if self.peek() == '(':
            self.i += 1
            v = self.expression()
            if self.peek() != ')':
                raise _Bound('expected )')
            self.i += 1
            return v
        m = re.match(r'([0-9]+)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,5}))?|\.([0-9]+)(?:[eE]([+-]?[0-9]{1,5}))?', self.s[self.i:self.i + 1100])
        if not m:
            raise _Bound('expected a number')
        self.i += len(m.group(0))
        int_part = m.group(1) or '0'
        frac = m.group(2) if m.group(2) is not None else (m.group(4) or '')
        exp_text = m.group(3) if m.group(3) is not None else m.group(5)
        e = 0 if exp_text is None else int(exp_text)
        if abs(e) > _MAX_EXP:
            raise _Bound('exponent too large')
        if '.' in m.group(0) or exp_text is not None:
            self.decimal = True
        return _make(Fraction(int(int_part + frac), 10 ** len(frac)) * (Fraction(10) ** e))


def exact_rational(expr):
    """(Fraction, decimal flag) or None."""
    if len(expr) > 2000 or re.search(r'[a-df-zA-DF-Z_\\]', expr) or re.search(r'[0-9.]\s+[0-9.]', expr):
        return None
    p = _RatParser(re.sub(r'\s+', '', expr))
    try:
        v = p.expression()
        return (v, p.decimal) if p.i == len(p.s) else None
    except (_Bound, ZeroDivisionError, ValueError, OverflowError):
        return None


# ---------------------------------------------------------------- symbolic equality (math/symbolicEqual.ts): whitelisted parse, fixed points

_FUNCTIONS = {'sqrt': 1, 'nthRoot': 2, 'sin': 1, 'cos': 1, 'tan': 1, 'log': 1, 'exp': 1, 'abs': 1}
_CONSTANTS = {'pi': cmath.pi, 'e': cmath.e, 'i': 1j}
_POINTS = [0.5377, 1.8339, -2.2588, 0.8622, 0.3188, -1.3077, 2.7694]


class _Reject(Exception):
    pass


class _MathjsThrow(Exception):
    """An error mathjs raises during evaluation (not caught by symbolicEqual.ts: the verifier scores 0)."""


def _tokens(text):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == ' ':
            i += 1
            continue
        m = re.match(r'[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?', text[i:])
        if m and (c.isdigit() or c == '.'):
            out.append(('num', m.group(0)))
            i += len(m.group(0))
            continue
        m = re.match(r'[a-zA-Z_][a-zA-Z0-9_]*', text[i:])
        if m:
            out.append(('name', m.group(0)))
            i += len(m.group(0))
            continue
        out.append(('op', c))
        i += 1
    return out


class _ExprParser:
    """Recursive descent over the whitelisted grammar; builds (kind, ...) tuples, never Python code."""

    def __init__(self, toks):
        self.t, self.i, self.vars = toks, 0, set()

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else ('end', '')

    def take(self, kind, val=None):
        k, v = self.peek()
        if k != kind or (val is not None and v != val):
            raise _Reject(f'expected {val or kind}')
        self.i += 1
        return v

    def expression(self):
        node = self.term()
        while self.peek() in (('op', '+'), ('op', '-')):
            op = self.take('op')
            node = ('bin', op, node, self.term())
        return node

    def _starts_atom(self):
        k, v = self.peek()
        return k in ('num', 'name') or (k == 'op' and v == '(')

    # mathjs precedence (parseMultiplyDivide > parseImplicitMultiplication > parseRule2): implicit
    # multiplication binds tighter than * and /, so x/2y = x/(2y), except number/number before a
    # symbol or parenthesis: 1/2x = (1/2)x.
    def term(self):
        node = self.implicit()
        while self.peek() in (('op', '*'), ('op', '/')):
            op = self.take('op')
            node = ('bin', op, node, self.implicit())
        return node

    def implicit(self):
        node = self.rule2()
        while self._starts_atom():  # 2x, 2 pi, (x-1)(x+1)
            node = ('bin', '*', node, self.rule2())
        return node

    def rule2(self):
        node = self.unary()
        while (node[0] == 'const' and self.peek() == ('op', '/') and self.i + 2 < len(self.t)
               and self.t[self.i + 1][0] == 'num' and (self.t[self.i + 2][0] == 'name' or self.t[self.i + 2] == ('op', '('))):
            self.i += 1
            node = ('bin', '/', node, self.atom())
        return node

    def unary(self):
        if self.peek() in (('op', '-'), ('op', '+')):
            op = self.take('op')
            inner = self.unary()
            return ('neg', inner) if op == '-' else inner
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == ('op', '^'):
            self.take('op', '^')
            return ('pow', base, self.unary())
        return base

    def atom(self):
        k, v = self.peek()
        if k == 'num':
            self.i += 1
            x = float(v)
            if not math.isfinite(x):
                raise _Reject('non-finite constant')
            return ('const', complex(x))
        if k == 'op' and v == '(':
            self.i += 1
            node = self.expression()
            self.take('op', ')')
            return node
        if k == 'name':
            self.i += 1
            if self.peek() == ('op', '(') and v in _FUNCTIONS:
                self.i += 1
                args = [self.expression()]
                while self.peek() == ('op', ','):
                    self.i += 1
                    args.append(self.expression())
                self.take('op', ')')
                if len(args) != _FUNCTIONS[v]:
                    raise _Reject('arity')
                return ('call', v, args)
            if v in _CONSTANTS:
                return ('const', _CONSTANTS[v])
            if re.fullmatch(r'[a-zA-Z]', v):
                self.vars.add(v)
                return ('var', v)
        raise _Reject(f'unexpected {v!r}')


def _has_pow(node):
    if node[0] == 'pow':
        return True
    if node[0] in ('bin',):
        return _has_pow(node[2]) or _has_pow(node[3])
    if node[0] == 'neg':
        return _has_pow(node[1])
    if node[0] == 'call':
        return any(_has_pow(a) for a in node[2])
    return False


def _has_var(node):
    if node[0] == 'var':
        return True
    if node[0] == 'bin':
        return _has_var(node[2]) or _has_var(node[3])
    if node[0] in ('neg', 'pow'):
        return any(_has_var(x) for x in node[1:])
    if node[0] == 'call':
        return any(_has_var(a) for a in node[2])
    return False


def _check_pows(node):
    """No ^ inside an exponent; a constant exponent must have |p| <= 1000."""
    if node[0] == 'pow':
        if _has_pow(node[2]):
            raise _Reject('nested power')
        if not _has_var(node[2]):
            v = _evaluate(node[2], {})
            if v is None or abs(v) > 1000:
                raise _Reject('exponent too large')
        _check_pows(node[1])
    elif node[0] == 'bin':
        _check_pows(node[2])
        _check_pows(node[3])
    elif node[0] == 'neg':
        _check_pows(node[1])
    elif node[0] == 'call':
        for a in node[2]:
            _check_pows(a)


def safe_parse(text):
    if len(text) > MAX_EXPRESSION_CHARS or not re.fullmatch(r'[0-9a-zA-Z.+\-*/^(), ]*', text):
        return None
    spaced = re.sub(r'[a-zA-Z]+', lambda m: m.group(0) if m.group(0) in _FUNCTIONS or m.group(0) in _CONSTANTS else ' '.join(m.group(0)), text)
    try:
        p = _ExprParser(_tokens(spaced))
        node = p.expression()
        if p.peek()[0] != 'end':
            return None
        _check_pows(node)
    except (_Reject, RecursionError):
        return None
    if len(p.vars) > 4:
        return None
    return node, p.vars


def _evaluate(node, scope):
    try:
        v = _ev(node, scope)
    except (ZeroDivisionError, OverflowError, ValueError, _Reject):
        return None
    if v is None or not (math.isfinite(v.real) and math.isfinite(v.imag)):
        return None
    return v


def _ev(node, scope):
    k = node[0]
    if k == 'const':
        return node[1]
    if k == 'var':
        return complex(scope[node[1]])
    if k == 'neg':
        return -_ev(node[1], scope)
    if k == 'bin':
        a, b = _ev(node[2], scope), _ev(node[3], scope)
        return a + b if node[1] == '+' else a - b if node[1] == '-' else a * b if node[1] == '*' else a / b
    if k == 'pow':
        a, b = _ev(node[1], scope), _ev(node[2], scope)
        if b.imag == 0 and b.real == int(b.real) and a.imag == 0:
            if a == 0 and b.real < 0:
                raise ZeroDivisionError
            return complex(a.real ** int(b.real))
        if a == 0:
            return complex(0) if b.real > 0 else complex(float('nan'))
        return a ** b
    if k == 'call':
        args = [_ev(a, scope) for a in node[2]]
        f = node[1]
        x = args[0]
        if f == 'sqrt':
            return cmath.sqrt(x)
        if f == 'nthRoot':
            n = args[1]
            if x.imag == 0 and n.imag == 0 and n.real == int(n.real) and n.real != 0:
                n_i = int(n.real)
                if x.real < 0:
                    if n_i % 2 == 0:  # mathjs throws here, and the TS verifier then scores 0
                        raise _MathjsThrow('even root of a negative number')
                    return complex(-((-x.real) ** (1.0 / n_i)))
                return complex(x.real ** (1.0 / n_i))
            return x ** (1 / n)
        if f == 'abs':
            return complex(abs(x))
        if f == 'log':
            return cmath.log(x)
        return {'sin': cmath.sin, 'cos': cmath.cos, 'tan': cmath.tan, 'exp': cmath.exp}[f](x)
    raise _Reject('node')


def symbolic_equal(a, b):
    pa, pb = safe_parse(a), safe_parse(b)
    if not pa or not pb:
        return False
    if sorted(pa[1]) != sorted(pb[1]):
        return False
    variables = sorted(pa[1])
    rounds = 1 if not variables else 5
    agreed = 0
    for k in range(rounds):
        scope = {v: _POINTS[(k + 2 * j) % len(_POINTS)] for j, v in enumerate(variables)}
        va, vb = _evaluate(pa[0], scope), _evaluate(pb[0], scope)
        if va is None or vb is None:
            continue
        scale = max(1.0, abs(va), abs(vb))
        if abs(va - vb) > 1e-9 * scale:
            return False
        agreed += 1
    return agreed >= (1 if not variables else 2)


# ---------------------------------------------------------------- equivalence (math/mathEqual.ts)


def math_equal(ground_truth, predicted):
    a, b = normalize_answer(ground_truth), normalize_answer(predicted)
    if not a or not b:
        return False
    if a == b:
        return True
    ta, tb = is_text(a), is_text(b)
    if ta or tb:
        return ta and tb and _text_key(a) == _text_key(b)
    if len(a) > MAX_STRUCTURED_CHARS or len(b) > MAX_STRUCTURED_CHARS:
        return False
    return _structured_equal(a, b, 0)


_KNOWN_WORDS = {'sqrt', 'nthRoot', 'sin', 'cos', 'tan', 'log', 'exp', 'abs', 'pi'}


def is_text(s):
    """Words, not products of one-letter symbols (mathEqual.ts isText)."""
    if re.fullmatch(r'[a-zA-Z][a-zA-Z ]+', s) and re.search(r'[a-zA-Z]{2}', s):
        return True
    m = re.sub(r'\\(?:begin|end)\{[a-zA-Z*]+\}', ' ', s)
    for w in re.finditer(r'\\?[a-zA-Z]{3,}', m):
        if not w.group(0).startswith('\\') and w.group(0) not in _KNOWN_WORDS:
            return True
    return False


def _text_key(s):
    return re.sub(r'\s+', '', s.lower())


def _matrix_rows(s):
    m = re.fullmatch(r'\\begin\{([pbBvV]?matrix|array)\}(?:\{[lcr|]*\})?([\s\S]*)\\end\{\1\}', s)
    if not m:
        return None
    kind = 'det' if re.fullmatch(r'[vV]matrix', m.group(1)) else 'matrix'
    rows = [[_js_trim(c) for c in r.split('&')] for r in (_js_trim(r) for r in m.group(2).split('\\\\')) if len(r) > 0]
    return (kind, rows) if 0 < len(rows) <= 50 and all(len(r) <= 50 for r in rows) else None


def _multiset_equal(xs, ys, depth):
    if len(xs) > 50:
        return '\u0000'.join(sorted(xs)) == '\u0000'.join(sorted(ys))
    used = [False] * len(ys)
    for x in xs:
        k = next((j for j, y in enumerate(ys) if not used[j] and _structured_equal(x, y, depth + 1)), -1)
        if k < 0:
            return False
        used[k] = True
    return True


def _structured_equal(a, b, depth):
    if a == b:
        return True
    if depth > 3:
        return False
    ma, mb = _matrix_rows(a), _matrix_rows(b)
    if ma or mb:
        if not ma or not mb or ma[0] != mb[0] or len(ma[1]) != len(mb[1]):
            return False
        return all(len(r) == len(mb[1][i]) and all(_structured_equal(x, mb[1][i][j], depth + 1) for j, x in enumerate(r))
                   for i, r in enumerate(ma[1]))
    ua, ub = split_top(a, '\\cup'), split_top(b, '\\cup')
    if (ua and len(ua) > 1) or (ub and len(ub) > 1):
        if not ua or not ub or len(ua) != len(ub):
            return False
        return _multiset_equal(ua, ub, depth)
    la, lb = split_list(a), split_list(b)
    if la or lb:
        if not la or not lb or la[0] != lb[0] or la[1] != lb[1] or len(la[2]) != len(lb[2]):
            return False
        if la[0] == '\\{':
            return _multiset_equal(la[2], lb[2], depth)
        return all(_structured_equal(x, y, depth + 1) for x, y in zip(la[2], lb[2]))
    ta, tb = is_text(a), is_text(b)
    if ta or tb:
        return ta and tb and _text_key(a) == _text_key(b)
    return _value_equal(a, b)


def _value_equal(a, b):
    ea, eb = latex_to_expr(a), latex_to_expr(b)
    if ea is None or eb is None:
        return False
    ra, rb = exact_rational(ea), exact_rational(eb)
    if ra and rb:
        return ra[0] == rb[0]
    r = ra or rb
    if r and ((r[1] and r[0].denominator != 1) or not abs(r[0]) < 2 ** 53):
        return False
    return symbolic_equal(ea, eb)


# ---------------------------------------------------------------- verifiers (main/rl/verifiers/*.ts)


MAX_BOXES_COMPARED = 16


def boxes_disagree(text, last):
    boxes = all_boxes(text)
    if len(boxes) < 2:
        return False
    if len(boxes) > MAX_BOXES_COMPARED:
        return any(b != last for b in boxes)
    return any(b != last and not math_equal(last, b) for b in boxes)


def _boxed_math(inp, p):
    text = after_think(inp['completion'])
    status, content = extract_boxed(text)
    if status != 'ok':
        return p['missingReward'], False
    if p['multipleBoxes'] == 'reject' and boxes_disagree(text, content):
        return p['incorrectReward'], False
    ok = math_equal(inp['answer'], content)
    return (p['correctReward'] if ok else p['incorrectReward']), ok


def _gsm8k_truth(answer):
    at = answer.rfind('####')
    tail = answer if at < 0 else answer[at + 4:]
    return _js_trim(tail).replace(',', '')


def _gsm8k_answer(text, mode):
    status, content = extract_boxed(text)
    if status == 'ok':
        return content, 'boxed'
    if status != 'none':
        return None, None
    hashes = text.rfind('####')
    if hashes >= 0:
        eol = text.find('\n', hashes)
        line = _js_trim(text[hashes + 4:len(text) if eol < 0 else eol])
        if len(line) > 0:
            return line, '####'
    if mode == 'strict':
        return None, None
    n = last_number(text, 'last')
    return (None, None) if n is None else (n, 'last number')


def _gsm8k(inp, p):
    truth = _gsm8k_truth(inp['answer'])
    text = after_think(inp['completion'])
    predicted, source = _gsm8k_answer(text, p['mode'])
    if predicted is None:
        return 0, False
    if source == 'boxed' and boxes_disagree(text, predicted):
        return p['incorrectReward'], False
    ok = len(truth) > 0 and math_equal(truth, predicted)
    return (p['correctReward'] if ok else p['incorrectReward']), ok


_AMBIGUOUS = '?'
_LEAD_IN = re.compile(r'(?:the\s+)?(?:correct\s+|right\s+|best\s+|final\s+)?(?:answer|option|choice)\s*(?:is\s*)?[:\-]?\s*', re.I)


def _names_another_option(rest, letter, letters):
    for m in re.finditer(r'(?:^|[^A-Za-z])\(?([A-Z])\)?(?![A-Za-z])', rest):
        other = m.group(1)
        if other == letter or other not in letters:
            continue
        if other == 'A' and re.match(r'\s+[a-z]', rest[m.end():]):
            continue
        return True
    return False


def _read_letter(raw, letters, choices, in_box):
    whole = _js_trim(raw)
    s = _LEAD_IN.sub('', whole, count=1) if _LEAD_IN.match(whole) else whole
    m = re.match(r'\(?\s*([A-Za-z])\s*(\)|\.|:|\Z)', s) or (re.match(r'([A-Z])(\s)', s) if in_box else None)
    if m:
        letter = m.group(1).upper()
        is_lower = m.group(1) != letter
        delimited = m.group(2) != '' or len(s) == 1 or s.startswith('(')
        if letter in letters and (not is_lower or delimited):
            return _AMBIGUOUS if in_box and _names_another_option(s[m.end():], letter, letters) else letter
    if choices:
        sq = _squash(whole)
        for k, c in enumerate(choices):
            if _squash(c) == sq:
                return letters[k] if k < len(letters) else None
    return None


def _squash(s):
    s = re.sub(r'\s+', ' ', s.lower())
    return _js_trim(re.sub(r'[.\s]+\Z', '', s))


def _last_answer_phrase(text, letters):
    found = None
    for m in re.finditer(r'(?:answer|correct option|correct choice)(?:\s+is)?[\s:*]*\(?([A-Za-z])(?![A-Za-z])', text, re.I):
        letter = m.group(1).upper()
        if letter not in letters:
            continue
        end = m.end()
        after = text[end] if end < len(text) else None
        if m.group(1) != letter and after is not None and not re.match(r'[).:,;!?\s]', after):
            continue
        if m.group(1) != letter and after == ' ' and re.match(r'\s+[a-z]', text[end:end + 3]):
            continue
        clause = re.match(r'[^.\n]{0,40}', text[end:end + 40]).group(0)
        hedge = re.match(r'\)?\s*(?:or|and|/|,|&)', clause, re.I) and _names_another_option(clause, letter, letters)
        found = _AMBIGUOUS if hedge else letter
    return found


def _unwrap_text(s):
    return re.sub(r'\\(?:text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}', r'\1', s)


def _model_letter(text, letters, choices, mode):
    status, content = extract_boxed(text)
    if status == 'ok':
        chosen = _read_letter(_unwrap_text(content), letters, choices, True)
        if chosen is not None and chosen != _AMBIGUOUS:
            for other in all_boxes(text)[-16:]:
                l = _read_letter(_unwrap_text(other), letters, choices, True)
                if l is not None and l != chosen:
                    return _AMBIGUOUS
        return chosen
    if status != 'none' or mode == 'strict':
        return None
    phrase = _last_answer_phrase(text, letters)
    if phrase is not None:
        return phrase
    return _read_letter(_js_trim(text), letters, choices, False)


def _multiple_choice(inp, p):
    choices = inp.get('choices')
    letters = (p['letters'][:len(choices)] if choices else p['letters']).upper()
    truth = _read_letter(inp['answer'], letters, choices, True)
    if truth is None or truth == _AMBIGUOUS:
        return 0, False
    chosen = _model_letter(after_think(inp['completion']), letters, choices, p['mode'])
    if chosen == _AMBIGUOUS:
        return p['incorrectReward'], False
    if chosen is None:
        return 0, False
    ok = chosen == truth
    return (p['correctReward'] if ok else p['incorrectReward']), ok


def _runs_on(answer, rest):
    last = answer[-1]
    if re.match(r'[0-9]', last):
        return re.match(r'(?:[0-9]|[.,][0-9])', rest) is not None
    if last.isalpha():
        return rest[:1].isalpha()
    return False


def _exact_match(inp, p):
    def fold(s):
        return s if p['caseSensitive'] else s.lower()
    answer = fold(_js_trim(inp['answer']))
    if not answer:
        return 0, False
    text = inp['completion'].lstrip(_JS_WS)
    head = fold(text[:len(answer)])
    if p['mode'] == 'prefix':
        full = head == answer and not (p['boundary'] and _runs_on(answer, text[len(answer):len(answer) + 2]))
    elif p['mode'] == 'exact':
        full = fold(text.rstrip(_JS_WS)) == answer
    else:
        full = answer in fold(text)
    if full:
        return 1, True
    if not p['partialCredit'] or p['mode'] == 'contains':
        return 0, False
    k = 0
    while k < len(answer) and k < len(head) and head[k] == answer[k]:
        k += 1
    return k / len(answer), False


def _count(text, needle):
    n, at = 0, text.find(needle)
    while at >= 0:
        n += 1
        at = text.find(needle, at + len(needle))
    return n


def _think_ok(text, mode):
    opens, closes = _count(text, '<think>'), _count(text, '</think>')
    if mode == 'forbidden':
        return opens == 0 and closes == 0
    if mode == 'optional' and opens == 0 and closes == 0:
        return True
    if closes != 1 or opens > 1:
        return False
    return opens == 0 or (text.lstrip(_JS_WS).startswith('<think>') and text.find('<think>') < text.find('</think>'))


def _box_ends_answer(text):
    boxed, fbox = text.rfind('\\boxed'), text.rfind('\\fbox')
    i = boxed + len('\\boxed') if boxed > fbox else fbox + len('\\fbox')
    while i < len(text) and text[i] in ' \t':
        i += 1
    if i < len(text) and text[i] == '{':
        close = match_brace(text, i)
        if close < 0:
            return False
        end = close + 1
    else:
        end = i
        while end < len(text) and not re.match(r'[\s$]', text[end]):
            end += 1
    tail = text[end:]
    return len(tail) <= 200 and re.fullmatch(r'(?:\s|\$|\\\]|\\\)|\.)*', tail) is not None


def _format(inp, p):
    text = inp['completion']
    checks = [_think_ok(text, p['think'])]
    if p['boxed'] != 'off':
        answer = after_think(text)
        boxes = _count(answer, '\\boxed') + _count(answer, '\\fbox')
        status, _ = extract_boxed(answer)
        checks.append(status == 'ok' and (boxes >= 1 if p['boxed'] == 'any' else boxes == 1))
        if p['boxedAtEnd']:
            checks.append(status == 'ok' and _box_ends_answer(answer))
    passed = sum(1 for c in checks if c)
    if p['partialCredit']:
        return p['reward'] * passed / len(checks), None
    return (p['reward'] if passed == len(checks) else 0), None


# name: (kind, defaults, function)
VERIFIERS = {
    'boxedMath': ('answer', {'correctReward': 1, 'incorrectReward': 0, 'missingReward': 0, 'multipleBoxes': 'reject'}, _boxed_math),
    'gsm8k': ('answer', {'mode': 'flexible', 'correctReward': 1, 'incorrectReward': 0}, _gsm8k),
    'multipleChoice': ('answer', {'letters': 'ABCDE', 'mode': 'flexible', 'correctReward': 1, 'incorrectReward': 0}, _multiple_choice),
    'exactMatch': ('answer', {'mode': 'prefix', 'caseSensitive': True, 'partialCredit': False, 'boundary': True}, _exact_match),
    'format': ('shaping', {'think': 'optional', 'boxed': 'one', 'boxedAtEnd': True, 'partialCredit': False, 'reward': 1}, _format),
}
# Scored by verl itself (reward_model.overlong_buffer of the DAPO reward manager), not here.
VERL_SIDE = {'overlong'}


def score_completion(components, completion, answer, choices=None):
    """Σ weight·value and whether every answer component is correct (scoreCompletion.ts)."""
    inp = {'completion': completion if isinstance(completion, str) else str(completion or ''),
           'answer': answer if isinstance(answer, str) else str(answer if answer is not None else ''),
           'choices': list(choices) if choices else None}
    total, answers, all_ok = 0.0, 0, True
    for c in components:
        name = c['name']
        if name in VERL_SIDE:
            continue
        if name not in VERIFIERS:
            raise ValueError(f'unknown verifier {name!r}; this file knows {sorted(VERIFIERS)}')
        kind, defaults, fn = VERIFIERS[name]
        params = {**defaults, **(c.get('params') or {})}
        try:
            value, ok = fn(inp, params)
            value = float(value)
            if not math.isfinite(value):
                value = 0.0
        except Exception:  # a verifier never throws on model output (defineVerifier.ts)
            value, ok = 0.0, False
        total += float(c['weight']) * value
        if kind == 'answer':
            answers += 1
            all_ok = all_ok and ok is True
    return total, answers > 0 and all_ok


_SPEC = None


def _spec():
    global _SPEC
    if _SPEC is None:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'reward_spec.json'), encoding='utf-8') as f:
            _SPEC = json.load(f)
    return _SPEC


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    spec = _spec()
    if data_source not in spec['dataSources']:
        raise NotImplementedError(f'clipo_reward.py scores data_source {spec["dataSources"]}, not {data_source!r}')
    choices = None
    if isinstance(extra_info, dict) and extra_info.get('choices_json'):
        choices = json.loads(extra_info['choices_json'])
    total, ok = score_completion(spec['components'], solution_str, ground_truth, choices)
    return {'score': total, 'acc': 1.0 if ok else 0.0}


def _main(argv):
    mode = argv[1] if len(argv) > 1 else ''
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        if mode == 'score':
            total, ok = score_completion(case['components'], case['completion'], case['answer'], case.get('choices'))
            out = {'total': total, 'correct': ok}
        elif mode == 'mathEqual':
            out = {'equal': math_equal(case[0], case[1])}
        elif mode == 'rows':
            extra = case.get('extra_info') or {}
            out = compute_score(case['data_source'], case['response'], case['reward_model']['ground_truth'], extra)
        else:
            sys.exit('usage: clipo_reward.py score|mathEqual|rows < input.jsonl')
        sys.stdout.write(json.dumps(out) + '\n')


if __name__ == '__main__':
    _main(sys.argv)
