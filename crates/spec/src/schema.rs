//! Schemas into the model's arena. Every schema location is built once (memoised by
//! file and pointer), `$ref`s become ids, and referenced schemas are built from a work
//! queue rather than by recursion, so reference cycles and very deep reference chains
//! cost neither a loop nor the stack.

use crate::error::SpecError;
use crate::model::{Additional, Schema, SchemaId, SchemaType};
use crate::resolve::{ref_of, Docs, Loc};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};

/// Most schemas one document may hold.
pub const MAX_SCHEMAS: usize = 1_000_000;
/// Deepest inline nesting followed; deeper inline schemas are left empty.
const MAX_INLINE_DEPTH: usize = 64;

/// Keys of a `$ref` object that change the schema when they sit beside the `$ref`.
const SIBLING_KEYS: &[&str] = &[
    "type",
    "properties",
    "items",
    "allOf",
    "anyOf",
    "oneOf",
    "enum",
    "required",
    "additionalProperties",
];

/// Builds schemas into an arena.
pub struct SchemaBuilder {
    pub schemas: Vec<Schema>,
    memo: HashMap<Loc, SchemaId>,
    queue: VecDeque<(SchemaId, Loc)>,
    pub warnings: Vec<String>,
}

impl SchemaBuilder {
    pub fn new() -> SchemaBuilder {
        SchemaBuilder {
            schemas: Vec::new(),
            memo: HashMap::new(),
            queue: VecDeque::new(),
            warnings: Vec::new(),
        }
    }

    fn alloc(&mut self, schema: Schema) -> Result<SchemaId, SpecError> {
        if self.schemas.len() >= MAX_SCHEMAS {
            return Err(SpecError::TooLarge {
                reason: format!("more than {MAX_SCHEMAS} schemas"),
            });
        }
        self.schemas.push(schema);
        Ok(SchemaId(self.schemas.len() - 1))
    }

    /// A schema synthesised by the caller (2.0 form parameters as one object).
    pub fn add(&mut self, schema: Schema) -> Result<SchemaId, SpecError> {
        self.alloc(schema)
    }

    /// The id of the schema `value` at `loc`, building it (and queueing what it
    /// references) on first sight.
    pub fn at(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        value: &Value,
    ) -> Result<SchemaId, SpecError> {
        self.at_depth(docs, loc, value, 0)
    }

    fn at_depth(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        value: &Value,
        depth: usize,
    ) -> Result<SchemaId, SpecError> {
        if let Some(id) = self.memo.get(loc) {
            return Ok(*id);
        }
        if let Some(reference) = ref_of(value) {
            let target = self.reference(docs, loc, reference)?;
            let has_siblings = value
                .as_object()
                .is_some_and(|o| SIBLING_KEYS.iter().any(|k| o.contains_key(*k)));
            if !has_siblings {
                self.memo.insert(loc.clone(), target);
                return Ok(target);
            }
            // `$ref` with siblings (allowed in 3.1): both apply.
            let id = self.alloc(Schema::empty())?;
            self.memo.insert(loc.clone(), id);
            let mut stripped = value.clone();
            if let Some(o) = stripped.as_object_mut() {
                o.remove("$ref");
            }
            self.fill(docs, id, loc, &stripped, depth)?;
            self.schemas[id.0].all_of.insert(0, target);
            return Ok(id);
        }
        let id = self.alloc(Schema::empty())?;
        self.memo.insert(loc.clone(), id);
        self.fill(docs, id, loc, value, depth)?;
        Ok(id)
    }

    /// The id for the schema a `$ref` at `loc` points to (chains followed); built
    /// later from the queue. A dangling reference becomes an unresolved schema.
    fn reference(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        reference: &str,
    ) -> Result<SchemaId, SpecError> {
        // The first hop is often already known: most references name a component.
        if let Ok(first) = Docs::target(loc, reference) {
            if let Some(id) = self.memo.get(&first) {
                return Ok(*id);
            }
        }
        let value = Value::Object(Map::from_iter([(
            "$ref".to_string(),
            Value::String(reference.to_string()),
        )]));
        match docs.follow_chain(loc, &value)? {
            Ok((_, target, passed)) => {
                let id = match self.memo.get(&target) {
                    Some(id) => *id,
                    None => {
                        let mut schema = Schema::empty();
                        schema.name = component_name(&target.pointer);
                        let id = self.alloc(schema)?;
                        self.memo.insert(target.clone(), id);
                        self.queue.push_back((id, target));
                        id
                    }
                };
                // Every alias on the way names the same schema.
                for alias in passed {
                    self.memo.insert(alias, id);
                }
                Ok(id)
            }
            Err(why) => {
                self.warnings
                    .push(format!("unresolved schema reference: {why}"));
                let mut schema = Schema::empty();
                schema.unresolved = Some(reference.to_string());
                self.alloc(schema)
            }
        }
    }

    /// Builds every queued referenced schema.
    pub fn drain(&mut self, docs: &mut Docs<'_>) -> Result<(), SpecError> {
        while let Some((id, loc)) = self.queue.pop_front() {
            let found = docs.get(&loc)?;
            let Ok((doc, at)) = found else { continue };
            let Some(value) = doc.pointer(&at.pointer) else {
                continue;
            };
            let name = self.schemas[id.0].name.take();
            self.fill(docs, id, &at, value, 0)?;
            self.schemas[id.0].name = name;
        }
        Ok(())
    }

    fn child(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        value: &Value,
        depth: usize,
    ) -> Result<SchemaId, SpecError> {
        if depth >= MAX_INLINE_DEPTH {
            self.warnings.push(format!(
                "schema at {} nested deeper than {MAX_INLINE_DEPTH} levels; not read",
                loc.display()
            ));
            return self.alloc(Schema::empty());
        }
        self.at_depth(docs, loc, value, depth + 1)
    }

    fn fill(
        &mut self,
        docs: &mut Docs<'_>,
        id: SchemaId,
        loc: &Loc,
        value: &Value,
        depth: usize,
    ) -> Result<(), SpecError> {
        let obj = match value {
            Value::Object(o) => o,
            // 3.1 boolean schemas: `true` is any value, `false` none.
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => {
                self.schemas[id.0].enum_values = Vec::new();
                self.schemas[id.0].additional = Additional::Forbidden;
                return Ok(());
            }
            _ => {
                self.warnings.push(format!(
                    "schema at {} is not an object; ignored",
                    loc.display()
                ));
                return Ok(());
            }
        };
        let mut s = scalars(obj);
        s.name = component_name(&loc.pointer);
        s.properties = self.properties(docs, loc, obj, depth)?;
        s.additional = match obj.get("additionalProperties") {
            None => Additional::Unspecified,
            Some(Value::Bool(true)) => Additional::Allowed,
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(v) => Additional::Schema(self.child(
                docs,
                &loc.child("additionalProperties"),
                v,
                depth,
            )?),
        };
        s.items = match obj.get("items") {
            Some(Value::Array(list)) => match list.first() {
                Some(first) => {
                    Some(self.child(docs, &loc.child("items").index(0), first, depth)?)
                }
                None => None,
            },
            Some(v) => Some(self.child(docs, &loc.child("items"), v, depth)?),
            None => None,
        };
        s.all_of = self.list(docs, loc, obj, "allOf", depth)?;
        s.any_of = self.list(docs, loc, obj, "anyOf", depth)?;
        s.one_of = self.list(docs, loc, obj, "oneOf", depth)?;
        self.schemas[id.0] = s;
        Ok(())
    }

    fn properties(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        obj: &Map<String, Value>,
        depth: usize,
    ) -> Result<Vec<(String, SchemaId)>, SpecError> {
        let Some(Value::Object(props)) = obj.get("properties") else {
            return Ok(Vec::new());
        };
        let base = loc.child("properties");
        let mut out = Vec::with_capacity(props.len());
        for (name, v) in props {
            out.push((name.clone(), self.child(docs, &base.child(name), v, depth)?));
        }
        Ok(out)
    }

    fn list(
        &mut self,
        docs: &mut Docs<'_>,
        loc: &Loc,
        obj: &Map<String, Value>,
        key: &str,
        depth: usize,
    ) -> Result<Vec<SchemaId>, SpecError> {
        let Some(Value::Array(items)) = obj.get(key) else {
            return Ok(Vec::new());
        };
        let base = loc.child(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            out.push(self.child(docs, &base.index(i), v, depth)?);
        }
        Ok(out)
    }
}

/// The keywords that hold no sub-schema.
fn scalars(obj: &Map<String, Value>) -> Schema {
    let mut s = Schema::empty();
    match obj.get("type") {
        Some(Value::String(t)) => s.types.extend(SchemaType::parse(t)),
        Some(Value::Array(ts)) => s.types.extend(
            ts.iter()
                .filter_map(Value::as_str)
                .filter_map(SchemaType::parse),
        ),
        _ => {}
    }
    let flag = |k: &str| obj.get(k).and_then(Value::as_bool).unwrap_or(false);
    s.nullable = flag("nullable") || flag("x-nullable") || s.types.contains(&SchemaType::Null);
    s.types
        .retain(|t| *t != SchemaType::Null || obj.get("type").is_some_and(Value::is_string));
    s.format = obj
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(Value::Array(values)) = obj.get("enum") {
        s.enum_values = values.clone();
    }
    s.const_value = obj.get("const").cloned();
    s.example = obj
        .get("example")
        .cloned()
        .or_else(|| match obj.get("examples") {
            Some(Value::Array(list)) => list.first().cloned(),
            _ => None,
        });
    s.default = obj.get("default").cloned();
    if let Some(Value::Array(req)) = obj.get("required") {
        s.required = req
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    s.read_only = flag("readOnly");
    s.write_only = flag("writeOnly");
    s.deprecated = flag("deprecated");
    s.minimum = obj.get("minimum").and_then(Value::as_f64);
    s.maximum = obj.get("maximum").and_then(Value::as_f64);
    s.min_length = obj.get("minLength").and_then(Value::as_u64);
    s.max_length = obj.get("maxLength").and_then(Value::as_u64);
    s.min_items = obj.get("minItems").and_then(Value::as_u64);
    s.max_items = obj.get("maxItems").and_then(Value::as_u64);
    s.pattern = obj
        .get("pattern")
        .and_then(Value::as_str)
        .map(str::to_string);
    s
}

/// `X` for `/components/schemas/X` or `/definitions/X`.
fn component_name(pointer: &str) -> Option<String> {
    let rest = pointer
        .strip_prefix("/components/schemas/")
        .or_else(|| pointer.strip_prefix("/definitions/"))?;
    (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
}
