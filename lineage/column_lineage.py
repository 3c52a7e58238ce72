"""Column-level lineage from dbt's manifest: where every column's values come from.

dbt knows which models feed which; sqlglot knows which columns feed which inside one query.
This module runs `sqlglot.lineage` on the compiled SQL of every model (in the SQL dialect of
the project's adapter, read from the manifest), maps the tables each query reads back to dbt
nodes, and chains the per-model answers into traces that run from a mart column down to the
columns of sources and seeds.

On the way it reads the expression of every step, which the model-level lineage does not:
the field path a step reads below its input column is collected into the JSON path below the
raw column, and a hash or a scrub on the way is recorded.

How the field path is read:
- A typed JSON parse (`json_transform(record, '<structure>')` on DuckDB, `from_json` on
  Spark) continues the path of the JSON it parses: the fields are named by the struct field
  accesses that follow (`parsed.recordCollection`, `purchase.total`,
  `lp_value(item.body)."navigationData"`, `s['name']`). A payload kept as JSON text (say
  `engagement_attributes_json`, read from `$.recordCollection[*].body.engagementAttributes`)
  and parsed again by the staging model that owns it continues that column's path.
- JSON path functions (`json_extract(x, '$.a.b')`, Spark's `get_json_object`) add their path.
- Lists: an element of a list (a lambda's variable in `list_transform`/`transform`, an
  `unnest`/`explode` into rows, `list[1]`, `element_at`) is `[*]`; the list that
  `list_transform` (or `[a, b]`, or a `$[*]` path) makes is a list of its elements' path, so
  taking an element of it again adds nothing; `flatten` takes the elements of the elements.
  Positions (`generate_subscripts`, a lambda's index variable) carry no value.
- Structs built in SQL (`{'url': ...}`, `named_struct`) keep each field's own path: reading
  `.url` of one later follows the `url` field only.

Conventions of the JSON paths shown:
- `[*]` is every element of an array (a JSON array exploded into rows, or mapped over);
  a fixed position (`list[1]`) is shown as `[*]` too.
- `*` after a dot is a member whose name is only known at run time.
- Avro union wrappers (`{"string": ...}`, `{"com.liveperson.dataaccess.Purchase": {...}}`)
  are not shown: paths name the fields of the reference documentation. The parse reads each
  union as a map {branch: value}, and the functions that read a map's value or branch
  (`lp_value`, `lp_branch`, the typed reads `lp_text`, `lp_amount`, `lp_time`, ...;
  Spark's `map_values(m)[0]`) pass it through; JSON paths through `$.*` likewise.

Hashes and scrubs: `lp_pseudonym` (the keyed HMAC of macros/privacy.sql), and SHA-256 and
friends, mark a value as hashed. `lp_scrub_url` and `lp_scrub_text` mark it scrubbed: what
may identify a person is removed from the URL or text (emails, personal query parameters),
so a scrubbed value is not personal data for `personal_data_violations`, as a hashed one.

What counts as "comes from": a value flows from the columns its expression is computed from.
Conditions do not carry values: CASE WHEN tests, WHERE and JOIN ON, FILTER clauses, lambda
filters and window PARTITION/ORDER BY decide which rows or which branch, so `count(*)`,
`row_number()` or a `sum(case when ... then 1 end)` have no input column (they are
"computed"); `max_by(value, key)` comes from `value` only. Scalar subqueries inside an
expression are not followed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node
from sqlglot.lineage import lineage as sqlglot_lineage

# Compiled models nest expressions deeply (lists of structs in lambdas in lambdas); both
# sqlglot and the walkers below recurse once per level.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

# dbt adapter type -> sqlglot dialect. The project runs on DuckDB and on Spark.
ADAPTER_DIALECTS = {
    "duckdb": "duckdb",
    "spark": "spark",
    "databricks": "databricks",
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "trino": "trino",
    "athena": "athena",
}

# Functions whose output is a hash of their input: the value flows, pseudonymised.
HASH_FUNCTIONS: tuple[type[exp.Expr], ...] = (
    exp.SHA,
    exp.SHA2,
    exp.MD5,
    exp.MD5Digest,
    exp.SHA1Digest,
    exp.SHA2Digest,
    exp.FarmFingerprint,
)
# The project's own SQL functions (macros/engine/functions.sql), by name, lower case.
HASH_FUNCTION_NAMES = frozenset({"lp_pseudonym"})
SCRUB_FUNCTION_NAMES = frozenset({"lp_scrub_url", "lp_scrub_text"})
# A position in a list, not a value of it.
POSITION_FUNCTION_NAMES = frozenset({"generate_subscripts"})
# A map's values or keys, as a list: the map is an Avro union, so its one value (or
# branch name) is at the union's own path.
MAP_LIST_FUNCTION_NAMES = frozenset({"map_values", "map_keys"})
JSON_PATH_FUNCTIONS: tuple[type[exp.Expr], ...] = (
    exp.JSONExtract,
    exp.JSONExtractScalar,
    exp.JSONBExtract,
    exp.JSONBExtractScalar,
    exp.JSONExtractArray,
)
EXPLODES: tuple[type[exp.Expr], ...] = (exp.Explode, exp.Unnest, exp.Inline)

EVERY_ELEMENT = "[*]"
ANY_MEMBER = "*"
# Markers among the steps of a flow, never shown. _LIST_OF: the value is a list whose
# elements are at the path before it (taking an element cancels it). _KEY + name: the
# value is a struct built in SQL and this path is its field `name` (reading that field
# cancels it; reading another field drops the flow).
_LIST_OF = "\0list"
_KEY = "\0key:"


class LineageError(Exception):
    """Lineage cannot be derived; the message says what is missing."""


def extend_steps(steps: tuple[str, ...] | None, more: Iterable[str]) -> tuple[str, ...] | None:
    """`steps` followed by `more`, with markers cancelled; None when the value cannot flow.

    A field read of a struct built in SQL keeps only the flows of that field: the others
    give None. A query's steps are reduced on their own and then joined to the steps of
    the model it reads; that gives what reducing all of them at once would (tested).
    """
    if steps is None:
        return None
    stack = list(steps)
    for step in more:
        top = stack[-1] if stack else None
        if step == EVERY_ELEMENT and top == _LIST_OF:
            stack.pop()
        elif step.startswith("\0") or step == EVERY_ELEMENT:
            stack.append(step)
        else:
            # A field of a list is the field of each element (a JSON path through a list):
            # read below the list markers, which stay.
            lists = 0
            while stack and stack[-1] == _LIST_OF:
                stack.pop()
                lists += 1
            top = stack[-1] if stack else None
            if top is not None and top.startswith(_KEY):
                # Struct fields are matched as the engines do (DuckDB: in any case).
                if step != ANY_MEMBER and step.lower() != top.removeprefix(_KEY).lower():
                    return None
                stack.pop()
            else:
                stack.append(step)
            stack.extend([_LIST_OF] * lists)
    return tuple(stack)


def shown_steps(steps: Iterable[str]) -> tuple[str, ...]:
    """The steps of a path without its markers."""
    return tuple(step for step in steps if not step.startswith("\0"))


@dataclass(frozen=True, order=True)
class ColumnRef:
    """A column of a dbt node (model, seed, snapshot or source)."""

    node_id: str
    column: str


@dataclass(frozen=True)
class Flow:
    """A value of `upstream` flowing into a column: the steps taken from it, hashed or
    scrubbed or neither."""

    upstream: ColumnRef
    json_steps: tuple[str, ...] = ()
    hashed: bool = False
    scrubbed: bool = False


@dataclass(frozen=True)
class Trace:
    """One way a column's value comes from a leaf column (of a source or a seed).

    `columns` runs from the traced column down to the leaf; `flows[i]` is how `columns[i]` is
    made from `columns[i + 1]`.
    """

    columns: tuple[ColumnRef, ...]
    flows: tuple[Flow, ...] = ()

    @property
    def leaf(self) -> ColumnRef:
        return self.columns[-1]

    @property
    def hashed(self) -> bool:
        return any(flow.hashed for flow in self.flows)

    @property
    def scrubbed(self) -> bool:
        return any(flow.scrubbed for flow in self.flows)

    @property
    def steps(self) -> tuple[str, ...] | None:
        """Every step from the leaf column up (markers included); None: no value flows."""
        steps: tuple[str, ...] | None = ()
        for flow in reversed(self.flows):
            steps = extend_steps(steps, flow.json_steps)
        return steps

    @property
    def json_path(self) -> tuple[str, ...]:
        """The JSON field below the leaf column that the value is read from (leaf first)."""
        return shown_steps(self.steps or ())


def render_json_path(steps: Iterable[str]) -> str:
    """`('recordCollection', '[*]', 'body')` -> `$.recordCollection[*].body`."""
    text = "$"
    for step in shown_steps(steps):
        if step.startswith("["):
            text += step
        elif step == ANY_MEMBER or step.replace("_", "").isalnum():
            text += "." + step
        else:
            text += '."' + step.replace('"', '\\"') + '"'
    return text


def dialect_for(adapter_type: str) -> str:
    try:
        return ADAPTER_DIALECTS[adapter_type]
    except KeyError:
        raise LineageError(
            f"No sqlglot dialect is known for the dbt adapter {adapter_type!r}: add it to "
            "ADAPTER_DIALECTS in lineage/column_lineage.py"
        ) from None


# --- one expression: which columns flow into it, through which steps -------------------------


@dataclass(frozen=True)
class _LocalFlow:
    table: str
    column: str
    json_steps: tuple[str, ...] = ()
    hashed: bool = False
    scrubbed: bool = False

    def then(self, *steps: str) -> _LocalFlow | None:
        extended = extend_steps(self.json_steps, steps)
        if extended is None:
            return None
        return _LocalFlow(self.table, self.column, extended, self.hashed, self.scrubbed)

    def treated(self, hashed: bool = False, scrubbed: bool = False) -> _LocalFlow:
        return _LocalFlow(
            self.table,
            self.column,
            self.json_steps,
            self.hashed or hashed,
            self.scrubbed or scrubbed,
        )


def _json_path_steps(path: exp.Expr | None, dialect: str) -> tuple[str, ...]:
    if isinstance(path, exp.Literal) and path.is_string:
        try:
            path = exp.JSONPath(
                expressions=sqlglot.parse_one(
                    f"x -> '{path.this}'", dialect=dialect
                ).expression.expressions  # type: ignore[union-attr]
            )
        except (SqlglotError, AttributeError):
            return (ANY_MEMBER,)
    if not isinstance(path, exp.JSONPath):
        # A path built at run time: the member is known only to the data.
        return (ANY_MEMBER,)
    parts = path.expressions
    is_member_wildcard = len(parts) == 2 and isinstance(parts[1], exp.JSONPathKey)
    if is_member_wildcard and isinstance(parts[1].this, exp.JSONPathWildcard):
        return ()  # `$.*`: reading through an Avro union wrapper
    steps: list[str] = []
    many = False  # a wildcard makes the result a list of the matches
    for part in parts:
        if isinstance(part, exp.JSONPathRoot):
            continue
        if isinstance(part, exp.JSONPathKey):
            key = part.this
            wildcard = isinstance(key, exp.JSONPathWildcard)
            many = many or wildcard
            steps.append(ANY_MEMBER if wildcard else str(key))
        elif isinstance(part, exp.JSONPathSubscript | exp.JSONPathSlice):
            # `[*]` and `[1:3]` match many elements; `[1]` one (still shown as `[*]`).
            position = part.this if isinstance(part, exp.JSONPathSubscript) else part
            many = many or isinstance(position, exp.JSONPathWildcard | exp.JSONPathSlice)
            steps.append(EVERY_ELEMENT)
        else:
            many = many or isinstance(part, exp.JSONPathWildcard)
            steps.append(ANY_MEMBER)
    if many:
        steps.append(_LIST_OF)  # the matches: `$.items[*]` is a list of `items[*]`
    return tuple(steps)


def _dedupe(flows: Iterable[_LocalFlow | None]) -> list[_LocalFlow]:
    return [flow for flow in dict.fromkeys(flows) if flow is not None]


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return ""


class _ExpressionFlows:
    """Value flow inside one projection: which input columns its value is made of.

    Conditions (CASE WHEN tests, FILTER clauses, lambda filters, window PARTITION/ORDER BY)
    decide which value is taken, but carry none of their columns' values: they are not
    flows. A lambda's first variable carries the elements of the list it is bound to.
    """

    def __init__(self, dialect: str, sql: str = ""):
        self.dialect = dialect
        self.sql = sql

    def _name(self, identifier: exp.Expr) -> str:
        """A field's name as the SQL spells it.

        sqlglot lower-cases identifiers the dialect treats as case-insensitive (DuckDB's),
        but JSON field names are shown as written (`navigationData`): the identifier's
        position in the compiled SQL gives its original text.
        """
        name = identifier.name
        start, end = identifier.meta.get("start"), identifier.meta.get("end")
        if isinstance(start, int) and isinstance(end, int) and self.sql:
            text = self.sql[start : end + 1]
            for quote in ('"', "`", "'"):
                if len(text) > 1 and text[0] == text[-1] == quote:
                    text = text[1:-1].replace(quote * 2, quote)
            if text.lower() == name.lower():
                return text
        return name

    def of(
        self, node: exp.Expr, env: dict[str, list[_LocalFlow]] | None = None
    ) -> list[_LocalFlow]:
        return _dedupe(self._of(node, env or {}))

    def _then(
        self, node: exp.Expr | None, env: dict[str, list[_LocalFlow]], *steps: str
    ) -> list[_LocalFlow]:
        if node is None:
            return []
        return _dedupe(flow.then(*steps) for flow in self._of(node, env))

    def _of(self, node: exp.Expr, env: dict[str, list[_LocalFlow]]) -> list[_LocalFlow]:
        if isinstance(node, exp.Column):
            if not node.table and node.name in env:
                return env[node.name]
            return [_LocalFlow(node.table, node.name)]
        if isinstance(node, exp.Identifier):
            return env.get(node.name, [])
        if isinstance(node, exp.Literal | exp.DataType | exp.Null | exp.Star | exp.Boolean):
            return []
        if isinstance(node, exp.Subquery | exp.Exists | exp.Query):
            return []  # scalar subqueries are not followed (see the module notes)
        if isinstance(node, exp.Dot):
            return self._then(node.this, env, self._name(node.expression))
        if isinstance(node, JSON_PATH_FUNCTIONS):
            steps = _json_path_steps(node.args.get("expression"), self.dialect)
            return self._then(node.this, env, *steps)
        if isinstance(node, HASH_FUNCTIONS):
            return [flow.treated(hashed=True) for flow in self._of(node.this, env)]
        name = _function_name(node)
        if name in HASH_FUNCTION_NAMES or name in SCRUB_FUNCTION_NAMES:
            hashed = name in HASH_FUNCTION_NAMES
            return [
                flow.treated(hashed=hashed, scrubbed=not hashed)
                for flow in self._union(node.expressions, env)
            ]
        if name in POSITION_FUNCTION_NAMES:
            return []
        if name in MAP_LIST_FUNCTION_NAMES or isinstance(node, exp.MapKeys):
            args = node.expressions if isinstance(node, exp.Anonymous) else [node.this]
            return _dedupe(flow.then(_LIST_OF) for flow in self._union(args, env))
        if isinstance(node, EXPLODES):
            inner = node.this if node.this is not None else node.expressions
            sources = inner if isinstance(inner, list) else [inner]
            return _dedupe(
                flow.then(EVERY_ELEMENT) for source in sources for flow in self._of(source, env)
            )
        if isinstance(node, exp.Case):
            branches = [case.args.get("true") for case in node.args.get("ifs") or []]
            branches.append(node.args.get("default"))
            return self._union(branches, env)
        if isinstance(node, exp.If):
            return self._union([node.args.get("true"), node.args.get("false")], env)
        if isinstance(node, exp.Nullif | exp.ArgMax | exp.ArgMin):
            return self._of(node.this, env)
        if isinstance(node, exp.Window | exp.Filter):
            return self._of(node.this, env)
        if isinstance(node, exp.Transform):
            elements = self._then(node.this, env, EVERY_ELEMENT)
            return _dedupe(
                flow.then(_LIST_OF) for flow in self._lambda(node.expression, elements, env)
            )
        if isinstance(node, exp.ArrayFilter):
            return self._of(node.this, env)  # a subset of the list's own values
        if isinstance(node, exp.Flatten):
            return self._then(node.this, env, EVERY_ELEMENT, EVERY_ELEMENT, _LIST_OF)
        if isinstance(node, exp.Array):
            return _dedupe(flow.then(_LIST_OF) for flow in self._union(node.expressions, env))
        if isinstance(node, exp.Struct):
            return self._struct(node, env)
        if isinstance(node, exp.Lambda):
            return self._lambda(node, [], env)
        if isinstance(node, exp.Bracket):
            index = node.expressions[0] if len(node.expressions) == 1 else None
            if isinstance(index, exp.Literal) and index.is_string:
                return self._then(node.this, env, index.name)  # a struct's field
            return self._then(node.this, env, EVERY_ELEMENT)  # see the notes on positions
        return self._union(list(node.iter_expressions()), env)

    def _struct(self, node: exp.Struct, env: dict[str, list[_LocalFlow]]) -> list[_LocalFlow]:
        flows: list[_LocalFlow | None] = []
        for position, member in enumerate(node.expressions):
            if isinstance(member, exp.PropertyEQ):
                key, value = self._name(member.this), member.expression
            elif isinstance(member, exp.Alias):
                key, value = self._name(member.args["alias"]), member.this
            else:
                key, value = f"col{position + 1}", member
            if isinstance(value, exp.Expr):
                flows.extend(flow.then(_KEY + key) for flow in self._of(value, env))
        return _dedupe(flows)

    def _lambda(
        self, fn: exp.Expr, bound: list[_LocalFlow], env: dict[str, list[_LocalFlow]]
    ) -> list[_LocalFlow]:
        if not isinstance(fn, exp.Lambda):
            return bound + (self._of(fn, env) if fn is not None else [])
        inner = dict(env)
        for position, param in enumerate(fn.expressions):
            # The first variable is the element; a second one is its index.
            inner[param.name] = bound if position == 0 else []
        return self._of(fn.this, inner)

    def _union(
        self, nodes: Iterable[exp.Expr | None], env: dict[str, list[_LocalFlow]]
    ) -> list[_LocalFlow]:
        flows: list[_LocalFlow] = []
        for node in nodes:
            if isinstance(node, exp.Expr):
                flows.extend(self._of(node, env))
        return _dedupe(flows)


# --- one model: its columns' flows to the columns of the relations it reads -------------------


def _split_node_name(name: str) -> tuple[str, str]:
    table, _, column = name.rpartition(".")
    return table.strip('"`'), column.strip('"`')


def _child_key(child: Node) -> tuple[str, str]:
    """(table alias, column) by which the parent's expression refers to a lineage child.

    A branch of a UNION (or INTERSECT, EXCEPT) is named by its column's position; the parent
    refers to it by the set operation's alias and the column's name in its first branch.
    """
    if not child.name.isdigit():
        return _split_node_name(child.name)
    setop = child.source
    while setop is not None and not isinstance(setop, exp.SetOperation):
        setop = setop.parent
    holder = setop
    while holder is not None and not isinstance(holder, exp.CTE | exp.Subquery):
        holder = holder.parent
    if setop is None or holder is None:
        return ("", child.name)
    return holder.alias_or_name, setop.named_selects[int(child.name)]


def _relation_key(table: exp.Table) -> tuple[str, ...]:
    parts = [table.catalog, table.db, table.name]
    return tuple(part.lower() for part in parts if part)


def _inline_fields(projection: exp.Expr) -> list[str] | None:
    """The fields of the structs an unaliased `inline(...)` makes columns of, when the SQL
    says them (a list of struct literals, or a transform of a list into one, as
    `lp_unnest` renders on Spark); else None."""
    if not isinstance(projection, exp.Inline):
        return None
    structs = projection.this
    if isinstance(structs, exp.Transform) and isinstance(structs.expression, exp.Lambda):
        struct = structs.expression.this
    elif isinstance(structs, exp.Array) and structs.expressions:
        struct = structs.expressions[0]
    else:
        return None
    if not isinstance(struct, exp.Struct):
        return None
    fields = [member.name or member.alias for member in struct.expressions]
    return fields if all(fields) else None


def _spell_out_inline(tree: exp.Expr) -> exp.Expr:
    """Spark's `inline(list)` makes a column of each field of the list's structs, which
    sqlglot cannot name: spelled out as `explode(list).field AS field`, one per field."""
    for select in tree.find_all(exp.Select):
        projections: list[exp.Expr] = []
        for projection in select.expressions:
            fields = _inline_fields(projection)
            if fields is None:
                projections.append(projection)
                continue
            for name in fields:
                element = exp.Explode(this=projection.this.copy())
                projections.append(
                    exp.alias_(exp.Dot(this=element, expression=exp.to_identifier(name)), name)
                )
        select.set("expressions", projections)
    return tree


@dataclass
class ModelLineage:
    """What sqlglot found for one model: flows per output column, and what it could not trace."""

    columns: dict[str, list[Flow]]
    unresolved: list[str] = field(default_factory=list)


def trace_query(
    sql: str,
    schema: dict,
    dialect: str,
    relations: dict[tuple[str, ...], str],
) -> ModelLineage:
    """Flows of every output column of `sql` to columns of the relations it reads.

    `relations` maps (catalog, schema, table) in lower case, and its shorter suffixes, to dbt
    node ids.
    """
    tree = _spell_out_inline(sqlglot.parse_one(sql, dialect=dialect))
    # trim_selects would copy the whole query once per step: minutes on the bigger models.
    roots: dict[str, Node] = sqlglot_lineage(  # type: ignore[assignment]
        None, tree, schema=schema, dialect=dialect, trim_selects=False
    )
    walker = _ExpressionFlows(dialect, sql)
    memo: dict[int, list[_LocalFlow]] = {}
    unresolved: list[str] = []

    def leaf_flows(node: Node) -> list[_LocalFlow]:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = []  # a cycle cannot happen in SQL scopes; this only guards the recursion
        if isinstance(node.expression, exp.Table) and not node.name.endswith("*"):
            _, column = _split_node_name(node.name)
            found = [_LocalFlow(".".join(_relation_key(node.expression)), column)]
        elif isinstance(node.expression, exp.Table | exp.Placeholder | exp.Star):
            unresolved.append(node.name)
            found = []
        elif isinstance(node.source, exp.SetOperation) and node.name in {
            "UNION",
            "INTERSECT",
            "EXCEPT",
        }:
            found = _dedupe(flow for child in node.downstream for flow in leaf_flows(child))
        else:
            children: dict[tuple[str, str], list[Node]] = {}
            for child in node.downstream:
                children.setdefault(_child_key(child), []).append(child)
            found = []
            for local in walker.of(node.expression):
                for child in children.get((local.table, local.column), []):
                    for below in leaf_flows(child):
                        joined = below.then(*local.json_steps)
                        if joined is not None:
                            found.append(joined.treated(local.hashed, local.scrubbed))
            found = _dedupe(found)
        memo[key] = found
        return found

    columns: dict[str, list[Flow]] = {}
    for name, root in roots.items():
        flows = []
        for local in leaf_flows(root):
            node_id = relations.get(tuple(local.table.split(".")))
            if node_id is None:
                unresolved.append(f"{local.table}.{local.column}")
                node_id = f"relation:{local.table}"
            flows.append(
                Flow(
                    ColumnRef(node_id, local.column),
                    local.json_steps,
                    local.hashed,
                    local.scrubbed,
                )
            )
        columns[name] = list(dict.fromkeys(flows))
    return ModelLineage(columns, sorted(set(unresolved)))


# --- the project ------------------------------------------------------------------------------


class Project:
    """The dbt project as the manifest (and, when present, the catalog) describe it."""

    def __init__(self, manifest: dict, catalog: dict | None = None):
        self.manifest = manifest
        self.catalog = catalog or {}
        self.adapter_type: str = manifest["metadata"]["adapter_type"]
        self.dialect = dialect_for(self.adapter_type)
        self.project_name: str = manifest["metadata"].get("project_name", "")
        self.nodes: dict[str, dict] = {
            uid: node
            for uid, node in {**manifest["nodes"], **manifest["sources"]}.items()
            if node["resource_type"] in {"model", "seed", "snapshot", "source"}
        }
        self._traces: dict[ColumnRef, list[Trace]] = {}

    @classmethod
    def load(cls, target_path: Path) -> Project:
        manifest_path = target_path / "manifest.json"
        if not manifest_path.exists():
            raise LineageError(
                f"{manifest_path} is missing: run `dbt compile` (or `make lineage`) first"
            )
        manifest = json.loads(manifest_path.read_text())
        catalog_path = target_path / "catalog.json"
        catalog = json.loads(catalog_path.read_text()) if catalog_path.exists() else None
        return cls(manifest, catalog)

    # naming

    def node_by_name(self, name: str) -> str:
        matches = [
            uid
            for uid, node in self.nodes.items()
            if node["resource_type"] != "source" and node["name"] == name
        ]
        if not matches:
            raise LineageError(f"No model or seed named {name!r} in the manifest")
        return matches[0]

    def label(self, ref: ColumnRef) -> str:
        node = self.nodes.get(ref.node_id)
        if node is None:
            return f"{ref.node_id.removeprefix('relation:')}.{ref.column}"
        if node["resource_type"] == "source":
            return f"{node['schema']}.{node['identifier'] or node['name']}.{ref.column}"
        return f"{node['name']}.{ref.column}"

    def layer(self, node_id: str) -> str:
        """`staging`, `intermediate`, `marts`, ... (the model's first folder), `source`, `seed`."""
        node = self.nodes.get(node_id)
        if node is None:
            return "unknown"
        if node["resource_type"] in {"source", "seed", "snapshot"}:
            return node["resource_type"]
        fqn = node["fqn"]
        return fqn[1] if len(fqn) > 2 else "models"

    def models_in(self, layer: str) -> list[str]:
        """The models of a layer (`*`: every model), by name."""
        found = [
            uid
            for uid, node in self.nodes.items()
            if node["resource_type"] == "model" and layer in {"*", self.layer(uid)}
        ]
        return sorted(found, key=lambda uid: self.nodes[uid]["name"])

    def column_meta(self, ref: ColumnRef) -> dict:
        column = self.nodes.get(ref.node_id, {}).get("columns", {}).get(ref.column, {})
        return {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}

    # schema and relations

    @cached_property
    def relations(self) -> dict[tuple[str, ...], str]:
        """(database, schema, identifier) in lower case, and (schema, identifier), -> node id."""
        found: dict[tuple[str, ...], str] = {}
        for uid, node in self.nodes.items():
            identifier = node.get("identifier") or node.get("alias") or node["name"]
            full = tuple(
                part.lower() for part in (node.get("database"), node["schema"], identifier) if part
            )
            found[full] = uid
            found.setdefault(full[-2:], uid)
        return found

    def _declared_columns(self, uid: str) -> list[str]:
        entry = self.catalog.get("nodes", {}).get(uid) or self.catalog.get("sources", {}).get(uid)
        if entry:
            ordered = sorted(entry["columns"].values(), key=lambda column: column["index"])
            return [column["name"] for column in ordered]
        node = self.nodes[uid]
        if node["resource_type"] == "seed" and node.get("root_path"):
            csv_path = Path(node["root_path"]) / node["original_file_path"]
            if csv_path.exists():
                with csv_path.open() as handle:
                    header = handle.readline().strip()
                return [name.strip().strip('"') for name in header.split(",")]
        return list(node.get("columns", {}))

    @cached_property
    def model_lineage(self) -> dict[str, ModelLineage]:
        """Per model, in dependency order, with each model's columns inferred from its SQL."""
        schema: dict = {}
        result: dict[str, ModelLineage] = {}

        def add_to_schema(uid: str, columns: Iterable[str]) -> None:
            node = self.nodes[uid]
            identifier = node.get("identifier") or node.get("alias") or node["name"]
            level = schema
            for part in (node.get("database"), node["schema"]):
                if part:
                    level = level.setdefault(part.lower(), {})
            level[identifier.lower()] = {column: "unknown" for column in columns}

        for uid, node in self.nodes.items():
            if node["resource_type"] != "model":
                add_to_schema(uid, self._declared_columns(uid))
        for uid in self._models_in_dependency_order():
            node = self.nodes[uid]
            sql = node.get("compiled_code")
            if not sql:
                raise LineageError(
                    f"{node['name']} has no compiled SQL in the manifest: run `dbt compile` first"
                )
            try:
                traced = trace_query(sql, schema, self.dialect, self.relations)
            except (SqlglotError, ValueError) as exc:
                raise LineageError(f"sqlglot cannot read {node['name']}: {exc}") from exc
            result[uid] = traced
            add_to_schema(uid, traced.columns)
        return result

    def _models_in_dependency_order(self) -> list[str]:
        order: list[str] = []
        seen: set[str] = set()

        def visit(uid: str) -> None:
            if uid in seen:
                return
            seen.add(uid)
            for upstream in self.nodes[uid]["depends_on"]["nodes"]:
                if upstream in self.nodes and self.nodes[upstream]["resource_type"] == "model":
                    visit(upstream)
            order.append(uid)

        for uid in sorted(self.nodes):
            if self.nodes[uid]["resource_type"] == "model":
                visit(uid)
        return order

    # traces

    def columns_of(self, uid: str) -> list[str]:
        if uid in self.model_lineage:
            return list(self.model_lineage[uid].columns)
        return self._declared_columns(uid)

    def traces(self, ref: ColumnRef) -> list[Trace]:
        """Every way `ref`'s value comes from a leaf column (source, seed or constant)."""
        if ref in self._traces:
            return self._traces[ref]
        self._traces[ref] = []  # guards against a (malformed) cycle
        model = self.model_lineage.get(ref.node_id)
        if model is None:
            result = [Trace((ref,))]
        else:
            if ref.column not in model.columns:
                raise LineageError(f"{self.label(ref)}: no such column in the compiled SQL")
            result = []
            for flow in model.columns[ref.column]:
                for below in self.traces(flow.upstream):
                    trace = Trace((ref, *below.columns), (flow, *below.flows))
                    if trace.steps is not None:  # else: a field of a struct not read here
                        result.append(trace)
            if not result:
                result = [Trace((ref,))]  # a constant, a count(*), a generated number
        self._traces[ref] = list(dict.fromkeys(result))
        return self._traces[ref]

    def nearest(self, trace: Trace, layer: str) -> ColumnRef | None:
        """The first column on the trace (below the traced one) in a model of `layer`."""
        for ref in trace.columns[1:]:
            if self.layer(ref.node_id) == layer:
                return ref
        return None


class Leaf(NamedTuple):
    """Where a value comes from: a leaf column, the JSON path inside it, and its treatment."""

    column: ColumnRef
    path: str
    hashed: bool = False
    scrubbed: bool = False


@dataclass(frozen=True)
class ColumnOrigins:
    """A column's origins, summarised: the staging columns and leaf fields its values come from."""

    column: ColumnRef
    staging: tuple[ColumnRef, ...]
    leaves: tuple[Leaf, ...]


def origins(project: Project, ref: ColumnRef, layer: str = "staging") -> ColumnOrigins:
    traces = project.traces(ref)
    staging = sorted({hop for trace in traces if (hop := project.nearest(trace, layer))})
    leaves = sorted(
        {
            Leaf(trace.leaf, render_json_path(trace.json_path), trace.hashed, trace.scrubbed)
            for trace in traces
            if trace.leaf != ref
        }
    )
    return ColumnOrigins(ref, tuple(staging), tuple(leaves))


def iter_columns(project: Project, model_ids: Iterable[str]) -> Iterator[ColumnRef]:
    for uid in model_ids:
        for column in project.columns_of(uid):
            yield ColumnRef(uid, column)


# --- personal data ----------------------------------------------------------------------------


def is_personal(project: Project, ref: ColumnRef, meta_key: str = "personal_data") -> bool:
    return project.column_meta(ref).get(meta_key) is True


def personal_fields(
    project: Project, meta_key: str = "personal_data"
) -> dict[tuple[ColumnRef, tuple[str, ...]], ColumnRef]:
    """The leaf fields (leaf column, JSON path) that hold personal data, each with a column
    that says so: a column tagged `meta: {<meta_key>: true}` that is read from it, else a
    column that hashes or scrubs it on the way (the SQL's word that it is personal), one of
    staging first, then the nearest to the field.
    """
    found: dict[tuple[ColumnRef, tuple[str, ...]], tuple[bool, bool, int, str, ColumnRef]] = {}
    for ref in iter_columns(project, project.models_in("*")):
        tagged = is_personal(project, ref, meta_key)
        in_staging = project.layer(ref.node_id) == "staging"
        for trace in project.traces(ref):
            if len(trace.columns) > 1 and (tagged or trace.hashed or trace.scrubbed):
                rank = (not tagged, not in_staging, len(trace.columns), project.label(ref), ref)
                key = (trace.leaf, trace.json_path)
                found[key] = min(found.get(key, rank), rank)
    return {key: rank[-1] for key, rank in found.items()}


def personal_data_violations(
    project: Project, layer: str = "marts", meta_key: str = "personal_data"
) -> list[str]:
    """Columns of `layer` whose values come from personal data without a hash or a scrub.

    Personal data is every column tagged `meta: {<meta_key>: true}`, and every leaf field
    (raw column and JSON path) that such a column is read from or that the project hashes
    (`lp_pseudonym`) or scrubs (`lp_scrub_url`, `lp_scrub_text`) somewhere: a mart column
    that reads the same raw field by another route, in clear, is caught too. A value that
    passes a hash or a scrub on its way is not personal any more (a scrubbed URL keeps no
    e-mail, token or personal query value: macros/privacy.sql).
    """
    tagged = {
        ColumnRef(uid, column)
        for uid, node in project.nodes.items()
        for column in node.get("columns", {})
        if is_personal(project, ColumnRef(uid, column), meta_key)
    }
    fields = personal_fields(project, meta_key)
    problems = []
    for ref in iter_columns(project, project.models_in(layer)):
        for trace in project.traces(ref):
            if trace.hashed or trace.scrubbed:
                continue
            via = next((hop for hop in trace.columns if hop in tagged), None)
            if via is not None:
                problems.append(
                    f"{project.label(ref)} comes from the personal column {project.label(via)} "
                    "without a hash or a scrub"
                )
            elif (trace.leaf, trace.json_path) in fields:
                problems.append(
                    f"{project.label(ref)} reads the personal field {project.label(trace.leaf)} "
                    f"{render_json_path(trace.json_path)} without a hash or a scrub "
                    f"(personal: {project.label(fields[trace.leaf, trace.json_path])})"
                )
    return sorted(set(problems))
