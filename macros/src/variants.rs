//! The variant table: the backends and flavours a test can run on, read from async-bridge's
//! list of backends (`__async_bridge_backends!` hands it to the macros' second step), so
//! that this crate keeps no list of its own.

use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token, braced, bracketed};

/// One variant of the test matrix: a backend's flavour.
pub(crate) struct Variant {
    /// The name of its `#[test]` fn and of the argument that selects it.
    pub(crate) name: String,
    /// Its backend's index in [`Table::backends`].
    pub(crate) backend: usize,
    /// Whether its runtime takes a number of worker threads (`worker_threads = N`).
    pub(crate) workers: bool,
}

/// One backend of the list.
pub(crate) struct Backend {
    /// The public type (`Tokio`): the test parameter that selects its variants.
    pub(crate) ty: Ident,
    /// Its module's name (`tokio`), also the argument that selects all of its variants.
    pub(crate) group: String,
    /// Its Cargo feature.
    pub(crate) feature: String,
    /// The exported macro that keeps its tokens only with the feature.
    pub(crate) gate: Ident,
}

/// The backends and flavours a test can run on, in the order the variants are generated.
pub(crate) struct Table {
    pub(crate) backends: Vec<Backend>,
    pub(crate) variants: Vec<Variant>,
}

/// A set of variants, by their index in [`Table::variants`].
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Variants(Vec<bool>);

impl Variants {
    pub(crate) fn none(table: &Table) -> Self {
        Variants(vec![false; table.variants.len()])
    }

    pub(crate) fn all(table: &Table) -> Self {
        Variants(vec![true; table.variants.len()])
    }

    pub(crate) fn intersects(&self, other: &Variants) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| *a && *b)
    }

    pub(crate) fn union(&self, other: &Variants) -> Self {
        Variants(self.0.iter().zip(&other.0).map(|(a, b)| *a || *b).collect())
    }

    pub(crate) fn intersection(&self, other: &Variants) -> Self {
        Variants(self.0.iter().zip(&other.0).map(|(a, b)| *a && *b).collect())
    }

    /// The indices of the variants in the set, in the table's order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .map(|(i, _)| i)
    }
}

impl Table {
    /// The variants an argument selects: a backend's group (all its flavours) or one
    /// flavour.
    pub(crate) fn selected_by(&self, name: &str) -> Option<Variants> {
        let mut set = Variants::none(self);
        let mut any = false;
        for (i, variant) in self.variants.iter().enumerate() {
            if variant.name == name || self.backends[variant.backend].group == name {
                set.0[i] = true;
                any = true;
            }
        }
        any.then_some(set)
    }

    /// The variants of the backend whose type is `ty` (a test's parameter).
    pub(crate) fn of_type(&self, ty: &str) -> Option<Variants> {
        let backend = self.backends.iter().position(|b| b.ty == ty)?;
        let mut set = Variants::none(self);
        for (i, variant) in self.variants.iter().enumerate() {
            set.0[i] = variant.backend == backend;
        }
        Some(set)
    }

    /// Every backend argument, in the list's order: a backend of several flavours is named
    /// by its group, then each flavour.
    pub(crate) fn argument_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for (b, backend) in self.backends.iter().enumerate() {
            let flavors: Vec<&str> = self
                .variants
                .iter()
                .filter(|v| v.backend == b)
                .map(|v| v.name.as_str())
                .collect();
            if flavors != [backend.group.as_str()] {
                names.push(backend.group.as_str());
            }
            names.extend(flavors);
        }
        names
    }

    /// The backend types, as a test's parameter may name them.
    pub(crate) fn type_names(&self) -> Vec<String> {
        self.backends.iter().map(|b| b.ty.to_string()).collect()
    }

    /// The flavours of the first backend that has several, most restricted first: the
    /// example for someone who wrote `flavor = …`.
    pub(crate) fn flavor_example(&self) -> Vec<&str> {
        for b in 0..self.backends.len() {
            let flavors: Vec<&str> = self
                .variants
                .iter()
                .filter(|v| v.backend == b)
                .map(|v| v.name.as_str())
                .collect();
            if flavors.len() > 1 {
                return flavors.into_iter().rev().collect();
            }
        }
        Vec::new()
    }

    /// The known argument that `name` was probably meant to be.
    pub(crate) fn suggestion(&self, name: &str) -> Option<&str> {
        let squash = |s: &str| s.replace('_', "").to_ascii_lowercase();
        let names = self.argument_names();
        names
            .iter()
            .find(|known| squash(known) == squash(name))
            .or_else(|| {
                names
                    .iter()
                    .filter(|known| name.starts_with(*known) && name.len() > known.len())
                    .max_by_key(|known| known.len())
            })
            .copied()
    }
}

/// `key: value` pairs in braces, the shape of the list's entries.
struct Fields(Vec<(Ident, TokenStream)>);

impl Parse for Fields {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let content;
        braced!(content in input);
        let mut fields = Vec::new();
        while !content.is_empty() {
            let key: Ident = content.parse()?;
            content.parse::<Token![:]>()?;
            let value: TokenTree = content.parse()?;
            fields.push((key, value.into()));
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(Fields(fields))
    }
}

impl Fields {
    fn get(&self, key: &str) -> syn::Result<&TokenStream> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                syn::Error::new(
                    proc_macro2::Span::call_site(),
                    format!("async-bridge's list of backends lacks `{key}`: the macros and the list disagree (are async-bridge and async-bridge-macros the same version?)"),
                )
            })
    }

    fn ident(&self, key: &str) -> syn::Result<Ident> {
        syn::parse2(self.get(key)?.clone())
    }

    fn string(&self, key: &str) -> syn::Result<String> {
        Ok(syn::parse2::<LitStr>(self.get(key)?.clone())?.value())
    }

    fn boolean(&self, key: &str) -> syn::Result<bool> {
        Ok(syn::parse2::<syn::LitBool>(self.get(key)?.clone())?.value)
    }

    /// A bracketed list of braced entries.
    fn entries(&self, key: &str) -> syn::Result<Vec<Fields>> {
        parse_entries(self.get(key)?.clone())
    }
}

fn parse_entries(tokens: TokenStream) -> syn::Result<Vec<Fields>> {
    let parser = |input: ParseStream<'_>| {
        let content;
        bracketed!(content in input);
        let mut entries = Vec::new();
        while !content.is_empty() {
            entries.push(content.parse::<Fields>()?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        Ok(entries)
    };
    syn::parse::Parser::parse2(parser, tokens)
}

impl Table {
    /// Reads the list as `__async_bridge_backends!` spells it: `[ { backend: …, … }, … ]`.
    pub(crate) fn parse(list: TokenTree) -> syn::Result<Table> {
        if !matches!(&list, TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket) {
            return Err(syn::Error::new(
                list.span(),
                "expected async-bridge's list of backends",
            ));
        }
        let mut table = Table {
            backends: Vec::new(),
            variants: Vec::new(),
        };
        for entry in parse_entries(list.into())? {
            let backend = table.backends.len();
            table.backends.push(Backend {
                ty: entry.ident("backend")?,
                group: entry.ident("module")?.to_string(),
                feature: entry.string("feature")?,
                gate: entry.ident("gate")?,
            });
            for flavor in entry.entries("flavors")? {
                table.variants.push(Variant {
                    name: flavor.ident("variant")?.to_string(),
                    backend,
                    workers: flavor.boolean("workers")?,
                });
            }
        }
        Ok(table)
    }
}
