"""Column-level lineage from dbt's manifest: where every column's values come from.

dbt knows which models feed which; sqlglot knows which columns feed which inside one query.
This module runs `sqlglot.lineage` on the compiled SQL of every model (in the SQL dialect of
the project's adapter, read from the manifest), maps the tables each query reads back to dbt
nodes, and chains the per-model answers into traces that run from a mart column down to the
columns of sources and seeds.

On the way it reads the expression of every step, which the model-level lineage does not: the
JSON paths a step extracts (`json_extract(attribute_data, '$.total')`, Spark's
`get_json_object` alike) are collected into the field path below the raw column, and a hash
function on the way (SHA-256 and friends, as `lp_hash_personal` renders them) is recorded.

Conventions of the JSON paths shown:
- `[*]` is every element of an array (a JSON array exploded into rows, or mapped over);
  a fixed position (`list[1]`) is shown as `[*]` too.
- `*` after a dot is a member whose name is only known at run time (`lp_body_payload` reads the
  one payload member of a record body, whatever its name).
- Avro union wrappers (`{"string": ...}`, `{"com.liveperson.dataaccess.Purchase": {...}}`),
  which the staging macros read through with `$.*`, are not shown: paths name the fields of the
  reference documentation.

What counts as "comes from": a value flows from the columns its expression is computed from.
Conditions do not carry values: CASE WHEN tests, WHERE and JOIN ON, FILTER clauses and window
PARTITION/ORDER BY decide which rows or which branch, so `count(*)`, `row_number()` or a
`sum(case when ... then 1 end)` have no input column (they are "computed"). Scalar subqueries
inside an expression are not followed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.lineage import Node
from sqlglot.lineage import lineage as sqlglot_lineage

# Compiled models nest expressions deeply (every unwrapped JSON step is a lambda in a lambda);
# both sqlglot and the walkers below recurse once per level.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

# dbt adapter type -> sqlglot dialect. The project runs on DuckDB now and on Spark later.
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
# An explode of a list into rows: shown as [*], unless the list already was `$[*]`.
_EXPLODED = "[]"


class LineageError(Exception):
    """Lineage cannot be derived; the message says what is missing."""


@dataclass(frozen=True, order=True)
class ColumnRef:
    """A column of a dbt node (model, seed, snapshot or source)."""

    node_id: str
    column: str


@dataclass(frozen=True)
class Flow:
    """A value of `upstream` flowing into a column: JSON steps taken from it, hashed or not."""

    upstream: ColumnRef
    json_steps: tuple[str, ...] = ()
    hashed: bool = False


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
    def json_path(self) -> tuple[str, ...]:
        """The JSON field below the leaf column that the value is read from (leaf first)."""
        steps: list[str] = []
        for flow in reversed(self.flows):
            for step in flow.json_steps:
                if step == _EXPLODED:
                    if steps and steps[-1] == EVERY_ELEMENT:
                        continue
                    step = EVERY_ELEMENT
                steps.append(step)
        return tuple(steps)


def render_json_path(steps: Iterable[str]) -> str:
    """`('recordCollection', '[*]', 'body')` -> `$.recordCollection[*].body`."""
    text = "$"
    for step in steps:
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


# --- one expression: which columns flow into it, through which JSON steps --------------------


@dataclass(frozen=True)
class _LocalFlow:
    table: str
    column: str
    json_steps: tuple[str, ...] = ()
    hashed: bool = False


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
    for part in parts:
        if isinstance(part, exp.JSONPathRoot):
            continue
        if isinstance(part, exp.JSONPathKey):
            key = part.this
            steps.append(ANY_MEMBER if isinstance(key, exp.JSONPathWildcard) else str(key))
        elif isinstance(part, exp.JSONPathSubscript | exp.JSONPathSlice):
            steps.append(EVERY_ELEMENT)
        else:
            steps.append(ANY_MEMBER)
    return tuple(steps)


def _dedupe(flows: Iterable[_LocalFlow]) -> list[_LocalFlow]:
    return list(dict.fromkeys(flows))


class _ExpressionFlows:
    """Value flow inside one projection: which input columns its value is made of.

    Conditions (CASE WHEN tests, FILTER clauses, window PARTITION/ORDER BY) decide which value
    is taken, but carry none of their columns' values: they are not flows. Lambda variables
    carry the values of the list they are bound to.
    """

    def __init__(self, dialect: str):
        self.dialect = dialect

    def of(
        self, node: exp.Expr, env: dict[str, list[_LocalFlow]] | None = None
    ) -> list[_LocalFlow]:
        return _dedupe(self._of(node, env or {}))

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
        if isinstance(node, JSON_PATH_FUNCTIONS):
            steps = _json_path_steps(node.args.get("expression"), self.dialect)
            return [
                _LocalFlow(f.table, f.column, f.json_steps + steps, f.hashed)
                for f in self._of(node.this, env)
            ]
        if isinstance(node, HASH_FUNCTIONS):
            return [
                _LocalFlow(f.table, f.column, f.json_steps, True) for f in self._of(node.this, env)
            ]
        if isinstance(node, EXPLODES):
            inner = node.this if node.this is not None else node.expressions
            sources = inner if isinstance(inner, list) else [inner]
            return [
                _LocalFlow(f.table, f.column, (*f.json_steps, _EXPLODED), f.hashed)
                for source in sources
                for f in self._of(source, env)
            ]
        if isinstance(node, exp.Case):
            branches = [case.args.get("true") for case in node.args.get("ifs") or []]
            branches.append(node.args.get("default"))
            return self._union(branches, env)
        if isinstance(node, exp.If):
            return self._union([node.args.get("true"), node.args.get("false")], env)
        if isinstance(node, exp.Nullif):
            return self._of(node.this, env)
        if isinstance(node, exp.Window | exp.Filter):
            return self._of(node.this, env)
        if isinstance(node, exp.Transform):
            return self._lambda(node.expression, self._of(node.this, env), env)
        if isinstance(node, exp.ArrayFilter):
            return self._of(node.this, env)  # a subset of the list's own values
        if isinstance(node, exp.Lambda):
            return self._lambda(node, [], env)
        if isinstance(node, exp.Bracket):
            return self._of(node.this, env)  # the index picks an element; see the notes
        return self._union(list(node.iter_expressions()), env)

    def _lambda(
        self, fn: exp.Expr, bound: list[_LocalFlow], env: dict[str, list[_LocalFlow]]
    ) -> list[_LocalFlow]:
        if not isinstance(fn, exp.Lambda):
            return bound + (self._of(fn, env) if fn is not None else [])
        inner = dict(env)
        for param in fn.expressions:
            inner[param.name] = bound
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
    # trim_selects would copy the whole query once per step: minutes on the bigger models.
    roots: dict[str, Node] = sqlglot_lineage(  # type: ignore[assignment]
        None, sql, schema=schema, dialect=dialect, trim_selects=False
    )
    walker = _ExpressionFlows(dialect)
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
                        found.append(
                            _LocalFlow(
                                below.table,
                                below.column,
                                below.json_steps + local.json_steps,
                                below.hashed or local.hashed,
                            )
                        )
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
            flows.append(Flow(ColumnRef(node_id, local.column), local.json_steps, local.hashed))
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
                    result.append(Trace((ref, *below.columns), (flow, *below.flows)))
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


@dataclass(frozen=True)
class ColumnOrigins:
    """A column's origins, summarised: the staging columns and leaf fields its values come from."""

    column: ColumnRef
    staging: tuple[ColumnRef, ...]
    leaves: tuple[tuple[ColumnRef, str, bool], ...]  # (leaf column, JSON path, hashed)


def origins(project: Project, ref: ColumnRef, layer: str = "staging") -> ColumnOrigins:
    traces = project.traces(ref)
    staging = sorted({hop for trace in traces if (hop := project.nearest(trace, layer))})
    leaves = sorted(
        {
            (trace.leaf, render_json_path(trace.json_path), trace.hashed)
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


def personal_data_violations(
    project: Project, layer: str = "marts", meta_key: str = "personal_data"
) -> list[str]:
    """Columns of `layer` whose values come from personal data without a hash on the way.

    Personal data is every column tagged `meta: {<meta_key>: true}` and every leaf field (raw
    column and JSON path) such a column is read from: a mart column that reads the same raw
    field by another route is caught too.
    """
    tagged = [
        ColumnRef(uid, column)
        for uid, node in project.nodes.items()
        for column in node.get("columns", {})
        if is_personal(project, ColumnRef(uid, column), meta_key)
    ]
    personal_fields = {
        (trace.leaf, trace.json_path)
        for ref in tagged
        if ref.node_id in project.model_lineage
        for trace in project.traces(ref)
        if len(trace.columns) > 1
    }
    tagged_set = set(tagged)
    problems = []
    for ref in iter_columns(project, project.models_in(layer)):
        for trace in project.traces(ref):
            if trace.hashed:
                continue
            via = next((hop for hop in trace.columns if hop in tagged_set), None)
            if via is not None:
                problems.append(
                    f"{project.label(ref)} comes from the personal column {project.label(via)} "
                    "without a hash"
                )
            elif (trace.leaf, trace.json_path) in personal_fields:
                problems.append(
                    f"{project.label(ref)} reads the personal field {project.label(trace.leaf)} "
                    f"{render_json_path(trace.json_path)} without a hash"
                )
    return sorted(set(problems))
