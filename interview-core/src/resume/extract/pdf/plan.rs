//! What pdf-extract will decode, counted before it runs.
//!
//! pdf-extract 0.12 decodes streams each time it meets them, never caching:
//! - each page's content streams, once per page (a stream shared by 50 pages is
//!   inflated 50 times), then concatenated into one more buffer;
//! - a form or image XObject on every `Do`, recursively and with no depth limit
//!   (a form that draws itself overflows the stack, which aborts the process);
//! - a font's files (ToUnicode map, FontFile, FontFile2, FontFile3) on the first
//!   `Tf` naming it on each page;
//! - a colour space's ICC profile and function streams on every `cs`/`CS`.
//!
//! Streams that cannot hold text are emptied first (images, TrueType font
//! programs, ICC profiles: pdf-extract decodes them and throws them away), then
//! the rest is counted with those multiplicities against the allowance, and form
//! nesting is checked.

use std::collections::{HashMap, HashSet};

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::super::ExtractError;
use super::super::limits::Budget;
use super::decode::{self, Allowance, OverAllowance};
use super::load::over;

/// Forms inside forms: real documents nest a few levels; pdf-extract recurses once
/// per level with a large frame.
pub(super) const MAX_FORM_DEPTH: usize = 12;

/// Ancestors above a page: real page trees are a few levels deep. pdf-extract looks
/// inherited keys up recursively, once per level, with no end if the chain loops.
pub(super) const MAX_PAGE_TREE_DEPTH: usize = 64;

/// How many references are followed from a font or colour space to its streams
/// (font -> descendant font -> descriptor -> font file).
const RESOURCE_REACH: usize = 4;

/// The operators whose first operand names a resource pdf-extract decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Uses {
    XObject,
    Font,
    ColorSpace,
}

/// How often a content stream uses each named resource.
type UseCounts = HashMap<(Uses, Vec<u8>), u64>;

/// Empties what cannot hold text, then checks that pdf-extract's decoding fits in
/// `allowance` and that forms do not nest too deep or draw themselves.
pub(super) fn check(
    document: &mut Document,
    allowance: &mut Allowance,
    budget: &Budget<'_>,
) -> Result<(), ExtractError> {
    empty_textless_streams(document);
    let document: &Document = document;
    let mut plan = Plan {
        document,
        measured: HashMap::new(),
        uses: HashMap::new(),
        page_uses: HashMap::new(),
        invocations: HashMap::new(),
        cap: allowance.cap(),
    };
    let spend = |allowance: &mut Allowance, bytes: u64| {
        allowance
            .spend(bytes)
            .map_err(|OverAllowance| over(allowance.cap()))
    };
    for page in plan.document.get_pages().into_values() {
        budget.checkpoint()?;
        check_ancestry(document, page)?;
        let contents = plan.document.get_page_contents(page);
        let mut concatenated = 0_u64;
        for id in &contents {
            let size = plan.measure(*id)?;
            concatenated = concatenated.saturating_add(size).saturating_add(1);
            spend(allowance, size)?;
        }
        spend(allowance, concatenated)?;
        let Some(resources) = resources_of(document, page) else {
            continue;
        };
        let page_uses = plan.page_uses(&contents);
        let mut fonts = HashMap::new();
        let cost = plan.cost_of_uses(&page_uses, resources, 0, &mut Vec::new(), &mut fonts)?;
        spend(allowance, cost)?;
        // pdf-extract makes each font once per page, on the first `Tf` naming it.
        let fonts: u64 = fonts.into_values().fold(0, u64::saturating_add);
        spend(allowance, fonts)?;
    }
    Ok(())
}

/// Font name -> what making that font decodes.
type Fonts = HashMap<Vec<u8>, u64>;

struct Plan<'a> {
    document: &'a Document,
    /// What decoding each stream costs (see [`decode::measure`]).
    measured: HashMap<ObjectId, u64>,
    /// The resources each form uses.
    uses: HashMap<ObjectId, UseCounts>,
    /// The resources each list of page contents uses (pages often share content).
    page_uses: HashMap<Vec<ObjectId>, UseCounts>,
    /// What one `Do` of a form costs, with the resources it inherits (by address:
    /// every dictionary here lives in the document), and the fonts it makes.
    invocations: HashMap<(ObjectId, *const Dictionary), (u64, Fonts)>,
    cap: u64,
}

impl<'a> Plan<'a> {
    /// What decoding the stream `id` costs; nothing if it is not a stream.
    fn measure(&mut self, id: ObjectId) -> Result<u64, ExtractError> {
        if let Some(&size) = self.measured.get(&id) {
            return Ok(size);
        }
        let Ok(stream) = self.document.get_object(id).and_then(Object::as_stream) else {
            return Ok(0);
        };
        let mut allowance = Allowance::new(self.cap);
        decode::measure(&stream.dict, &stream.content, &mut allowance)
            .map_err(|OverAllowance| over(self.cap))?;
        self.measured.insert(id, allowance.used());
        Ok(allowance.used())
    }

    /// The resources a page's content streams use, parsed as pdf-extract parses them
    /// (decoded, concatenated with line breaks, `Content::decode`). Only called once
    /// the decoding has been paid for.
    fn page_uses(&mut self, contents: &[ObjectId]) -> UseCounts {
        if let Some(uses) = self.page_uses.get(contents) {
            return uses.clone();
        }
        let mut bytes = Vec::new();
        for id in contents {
            if let Ok(stream) = self.document.get_object(*id).and_then(Object::as_stream) {
                match stream.decompressed_content() {
                    Ok(data) => bytes.extend_from_slice(&data),
                    Err(_) => bytes.extend_from_slice(&stream.content),
                }
                bytes.push(b'\n');
            }
        }
        let uses = uses_of(&bytes);
        self.page_uses.insert(contents.to_vec(), uses.clone());
        uses
    }

    fn form_uses(&mut self, id: ObjectId) -> UseCounts {
        if let Some(uses) = self.uses.get(&id) {
            return uses.clone();
        }
        let uses = match self.document.get_object(id).and_then(Object::as_stream) {
            Ok(stream) => match stream.decompressed_content() {
                Ok(data) => uses_of(&data),
                Err(_) => uses_of(&stream.content),
            },
            Err(_) => UseCounts::new(),
        };
        self.uses.insert(id, uses.clone());
        uses
    }

    /// What pdf-extract decodes for these uses of `resources`, forms included;
    /// fonts are collected in `fonts` (name -> cost) since they count once per page.
    fn cost_of_uses(
        &mut self,
        uses: &UseCounts,
        resources: &'a Dictionary,
        depth: usize,
        drawing: &mut Vec<ObjectId>,
        fonts: &mut Fonts,
    ) -> Result<u64, ExtractError> {
        let mut cost = 0_u64;
        for ((kind, name), &count) in uses {
            let each = match kind {
                Uses::XObject => {
                    let Some(id) = named_reference(self.document, resources, b"XObject", name)
                    else {
                        continue;
                    };
                    self.cost_of_form(id, resources, depth + 1, drawing, fonts)?
                }
                Uses::ColorSpace => {
                    let Some(space) = named(self.document, resources, b"ColorSpace", name) else {
                        continue;
                    };
                    self.streams_within(space)?
                }
                Uses::Font => {
                    let Some(font) = named(self.document, resources, b"Font", name) else {
                        continue;
                    };
                    let font_cost = self.streams_within(font)?;
                    merge_fonts(fonts, &Fonts::from([(name.clone(), font_cost)]));
                    continue;
                }
            };
            cost = cost.saturating_add(each.saturating_mul(count));
            if cost > self.cap {
                return Err(over(self.cap));
            }
        }
        Ok(cost)
    }

    fn cost_of_form(
        &mut self,
        id: ObjectId,
        inherited: &'a Dictionary,
        depth: usize,
        drawing: &mut Vec<ObjectId>,
        fonts: &mut Fonts,
    ) -> Result<u64, ExtractError> {
        if drawing.contains(&id) {
            return Err(ExtractError::LimitExceeded(format!(
                "the PDF has a form that draws itself (object {} {})",
                id.0, id.1
            )));
        }
        if depth > MAX_FORM_DEPTH {
            return Err(ExtractError::LimitExceeded(format!(
                "the PDF nests forms more than {MAX_FORM_DEPTH} deep"
            )));
        }
        let Ok(stream) = self.document.get_object(id).and_then(Object::as_stream) else {
            return Ok(0);
        };
        let resources = match stream.dict.get(b"Resources") {
            Ok(value) => match self.document.dereference(value) {
                Ok((_, Object::Dictionary(dict))) => dict,
                _ => inherited,
            },
            Err(_) => inherited,
        };
        let key = (id, std::ptr::from_ref(resources));
        if let Some((cost, made)) = self.invocations.get(&key) {
            merge_fonts(fonts, made);
            return Ok(*cost);
        }
        let decoding = self.measure(id)?;
        if decoding > self.cap {
            return Err(over(self.cap));
        }
        let uses = self.form_uses(id);
        drawing.push(id);
        let mut made = Fonts::new();
        let inner = self.cost_of_uses(&uses, resources, depth, drawing, &mut made);
        drawing.pop();
        let cost = decoding.saturating_add(inner?);
        merge_fonts(fonts, &made);
        self.invocations.insert(key, (cost, made));
        Ok(cost)
    }

    /// What decoding every stream reachable from `object` within
    /// [`RESOURCE_REACH`] references costs.
    fn streams_within(&mut self, object: &Object) -> Result<u64, ExtractError> {
        let mut cost = 0_u64;
        let mut seen = HashSet::new();
        let mut pending: Vec<(&Object, usize)> = vec![(object, 0)];
        let document = self.document;
        while let Some((object, reach)) = pending.pop() {
            match object {
                Object::Reference(id) if reach < RESOURCE_REACH && seen.insert(*id) => {
                    cost = cost.saturating_add(self.measure(*id)?);
                    if let Ok(target) = document.get_object(*id) {
                        pending.push((target, reach + 1));
                    }
                }
                Object::Array(items) => pending.extend(items.iter().map(|item| (item, reach))),
                Object::Dictionary(dict) => {
                    pending.extend(dict.iter().map(|(_, item)| (item, reach)))
                }
                Object::Stream(stream) => {
                    pending.extend(stream.dict.iter().map(|(_, item)| (item, reach)));
                }
                _ => {}
            }
            if cost > self.cap {
                return Err(over(self.cap));
            }
        }
        Ok(cost)
    }
}

/// Keeps the dearest cost per font name: pdf-extract makes a font once per page
/// per name, from whichever resources name it first.
fn merge_fonts(into: &mut Fonts, from: &Fonts) {
    for (name, &cost) in from {
        let kept = into.entry(name.clone()).or_default();
        *kept = (*kept).max(cost);
    }
}

/// Which resources a content stream uses, and how often, read with lopdf's own
/// content parser (the one pdf-extract uses). Unparsable content makes pdf-extract
/// panic, which the extractor reports; it uses nothing here.
fn uses_of(content: &[u8]) -> UseCounts {
    let mut uses = UseCounts::new();
    let Ok(content) = Content::decode(content) else {
        return uses;
    };
    for operation in content.operations {
        let kind = match operation.operator.as_str() {
            "Do" => Uses::XObject,
            "Tf" => Uses::Font,
            "cs" | "CS" => Uses::ColorSpace,
            _ => continue,
        };
        if let Some(Ok(name)) = operation.operands.first().map(Object::as_name) {
            *uses.entry((kind, name.to_vec())).or_default() += 1;
        }
    }
    uses
}

/// Refuses a page whose `/Parent` chain loops or runs deeper than
/// [`MAX_PAGE_TREE_DEPTH`]: pdf-extract follows it recursively to find inherited
/// keys (`/Resources`, `/MediaBox`) and, when the key is missing, loops forever
/// (optimised) or overflows the stack, which aborts the process (found by fuzzing).
fn check_ancestry(document: &Document, page: ObjectId) -> Result<(), ExtractError> {
    let mut seen = HashSet::from([page]);
    let mut node = page;
    loop {
        let Some(parent) = document
            .get_dictionary(node)
            .ok()
            .and_then(|dict| dict.get(b"Parent").and_then(Object::as_reference).ok())
        else {
            return Ok(());
        };
        if !seen.insert(parent) {
            return Err(ExtractError::Corrupt(format!(
                "the PDF's page tree loops (object {} {} is its own ancestor)",
                parent.0, parent.1
            )));
        }
        if seen.len() > MAX_PAGE_TREE_DEPTH + 1 {
            return Err(ExtractError::LimitExceeded(format!(
                "the PDF's page tree is more than {MAX_PAGE_TREE_DEPTH} levels deep"
            )));
        }
        node = parent;
    }
}

/// A page's resources, inherited from its ancestors as pdf-extract looks them up.
fn resources_of(document: &Document, page: ObjectId) -> Option<&Dictionary> {
    let mut node = document.get_dictionary(page).ok()?;
    for _ in 0..256 {
        if let Ok(value) = node.get(b"Resources") {
            return match document.dereference(value) {
                Ok((_, Object::Dictionary(dict))) => Some(dict),
                _ => None,
            };
        }
        node = document
            .get_dictionary(node.get(b"Parent").and_then(Object::as_reference).ok()?)
            .ok()?;
    }
    None
}

/// `resources[category][name]`, references followed.
fn named<'a>(
    document: &'a Document,
    resources: &'a Dictionary,
    category: &[u8],
    name: &[u8],
) -> Option<&'a Object> {
    let (_, category) = document.dereference(resources.get(category).ok()?).ok()?;
    let value = category.as_dict().ok()?.get(name).ok()?;
    Some(value)
}

fn named_reference(
    document: &Document,
    resources: &Dictionary,
    category: &[u8],
    name: &[u8],
) -> Option<ObjectId> {
    named(document, resources, category, name)?
        .as_reference()
        .ok()
}

/// Empties the streams pdf-extract decodes without reading text from them: images
/// (it runs `Do` on an image as if it were a form), TrueType programs (decoded and
/// dropped) and ICC profiles (decoded on every `cs`).
fn empty_textless_streams(document: &mut Document) {
    let icc_profile = |object: &Object| match object {
        Object::Array(items) => match items.as_slice() {
            [Object::Name(kind), Object::Reference(id), ..] if kind == b"ICCBased" => Some(*id),
            _ => None,
        },
        _ => None,
    };
    let mut textless = HashSet::new();
    for object in document.objects.values() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &stream.dict,
            other => {
                textless.extend(icc_profile(other));
                continue;
            }
        };
        if let Ok(id) = dict.get(b"FontFile2").and_then(Object::as_reference) {
            textless.insert(id);
        }
        textless.extend(dict.iter().filter_map(|(_, value)| icc_profile(value)));
    }
    for (id, object) in &mut document.objects {
        if let Object::Stream(stream) = object {
            let is_image = stream.dict.get(b"Subtype").and_then(Object::as_name).ok()
                == Some(b"Image".as_slice());
            if is_image || textless.contains(id) {
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
                stream.set_content(Vec::new());
            }
        }
    }
}
