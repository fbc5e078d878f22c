//! `#[async_bridge::blocking]`: the sync twin of an inherent `impl` block's async methods
//! (a `{Type}Blocking` struct) or of a free `async fn` (a `{name}_blocking` fn), each run on a
//! `RuntimeThread`.
//!
//! Errors keep the item as written and add one `compile_error!` per offending item, so a
//! mistake is reported once, where it is, and no twin is generated.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, FnArg, GenericArgument, GenericParam, Generics, Ident, ImplItem, ImplItemFn, Item,
    ItemFn, ItemImpl, Lit, Pat, Path, PathArguments, ReturnType, Signature, Token, Type,
    TypeParamBound, Visibility, WherePredicate,
};

use crate::parse;

const ATTR: &str = "#[async_bridge::blocking]";

/// The arguments: `crate = "path"` and `vis = "pub(crate)"`.
struct Args {
    krate: TokenStream,
    /// The visibility of the twin struct and its helpers (`pub` unless given).
    vis: Visibility,
}

fn args(tokens: TokenStream) -> syn::Result<Args> {
    (|input: ParseStream<'_>| {
        let mut krate = None;
        let mut vis = None;
        while !input.is_empty() {
            let ident = input.call(Ident::parse_any).map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!(
                        "expected an argument to {ATTR}: `crate = \"path\"` or \
                         `vis = \"pub(crate)\"`"
                    ),
                )
            })?;
            let name = ident.unraw().to_string();
            let span = ident.span();
            let example = match name.as_str() {
                "crate" => "crate = \"my_crate::async_bridge\"",
                "vis" => "vis = \"pub(crate)\"",
                _ => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "unknown argument `{name}` to {ATTR}; expected `crate = \"path\"` \
                             (the path of async-bridge) or `vis = \"pub(crate)\"` (the \
                             visibility of the twin struct)"
                        ),
                    ));
                }
            };
            if (name == "crate" && krate.is_some()) || (name == "vis" && vis.is_some()) {
                return Err(syn::Error::new(
                    span,
                    format!("duplicate argument `{name}`: give it once"),
                ));
            }
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    span,
                    format!("`{name}` needs a value, e.g. `{example}`"),
                ));
            }
            input.parse::<Token![=]>()?;
            let lit: Lit = input.parse()?;
            if name == "crate" {
                // The same checks and messages as the other macros' `crate = "…"`.
                krate = parse::crate_arg(&quote!(crate = #lit))?;
            } else {
                let Lit::Str(s) = &lit else {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`vis` takes a visibility in a string, e.g. `vis = \"pub(crate)\"` \
                         (or `vis = \"\"` for a private twin)",
                    ));
                };
                let parsed: Visibility = s.parse().map_err(|_| {
                    syn::Error::new(
                        s.span(),
                        format!(
                            "`vis = \"{}\"` is not a visibility; write e.g. `vis = \"pub\"`, \
                             `vis = \"pub(crate)\"` or `vis = \"\"`",
                            s.value()
                        ),
                    )
                })?;
                vis = Some(respan_vis(parsed, s.span()));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected `,` between the arguments of {ATTR}"),
                )
            })?;
        }
        Ok(Args {
            krate: match krate {
                Some(path) => path.to_token_stream(),
                None => quote!(::async_bridge),
            },
            vis: vis.unwrap_or_else(|| syn::parse_quote!(pub)),
        })
    })
    .parse2(tokens)
}

fn respan_vis(vis: Visibility, span: Span) -> Visibility {
    let tokens: TokenStream = vis
        .into_token_stream()
        .into_iter()
        .map(|mut tree| {
            tree.set_span(span);
            tree
        })
        .collect();
    syn::parse2(tokens).unwrap_or(Visibility::Inherited)
}

/// The attribute: an inherent `impl` block or a free `async fn`.
pub(crate) fn blocking(args_tokens: TokenStream, item: TokenStream) -> TokenStream {
    let parsed: Item = match syn::parse2(item.clone()) {
        Ok(parsed) => parsed,
        Err(err) => return with_errors(item, vec![err]),
    };
    let args = match args(args_tokens) {
        Ok(args) => args,
        Err(err) => return with_errors(item, vec![err]),
    };
    let result = match &parsed {
        Item::Impl(block) => twin_impl(&args, block),
        Item::Fn(func) => twin_fn(&args, func),
        other => Err(vec![syn::Error::new(
            item_span(other),
            format!(
                "{ATTR} needs an `async fn` (or an `impl` block with async methods), not this \
                 item"
            ),
        )]),
    };
    match result {
        Ok(twin) => quote! {
            #parsed
            #twin
        },
        Err(errors) => with_errors(item, errors),
    }
}

fn with_errors(item: TokenStream, errors: Vec<syn::Error>) -> TokenStream {
    let errors = errors.into_iter().map(syn::Error::into_compile_error);
    quote! {
        #item
        #(#errors)*
    }
}

/// Where to point at an item that is neither an `impl` nor a fn: its first tokens.
fn item_span(item: &Item) -> Span {
    let tokens = item.to_token_stream();
    let mut trees = tokens.into_iter().skip_while(|tree| {
        // Skip the outer attributes (`#` and its `[…]`).
        matches!(tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == '#')
            || matches!(tree, proc_macro2::TokenTree::Group(g)
                if g.delimiter() == proc_macro2::Delimiter::Bracket)
    });
    trees
        .next()
        .map_or_else(Span::call_site, |tree| tree.span())
}

// ---------------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------------

fn twin_fn(args: &Args, func: &ItemFn) -> Result<TokenStream, Vec<syn::Error>> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(vec![syn::Error::new(
            sig.fn_token.span(),
            format!("{ATTR} needs an `async fn` (or an `impl` block with async methods)"),
        )]);
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(vec![syn::Error::new_spanned(
            receiver,
            format!(
                "{ATTR} goes on the `impl` block, not on one of its methods: the twin is a \
                 `{{Type}}Blocking` struct with a blocking method per async method"
            ),
        )]);
    }
    let mut errors = Vec::new();
    check_sig(sig, &mut errors);
    let inputs = twin_inputs(sig, None);
    if !errors.is_empty() {
        return Err(errors);
    }
    let krate = &args.krate;
    let name = &sig.ident;
    let twin_name = format_ident!("{}_blocking", name.unraw(), span = name.span());
    let vis = &func.vis;
    let unsafety = &sig.unsafety;
    let generics = &sig.generics;
    let where_clause = &generics.where_clause;
    let output = match &sig.output {
        ReturnType::Default => quote!(),
        ReturnType::Type(arrow, ty) => quote!(#arrow #ty),
    };
    let attrs = kept_attrs(&func.attrs);
    let doc = format!(
        " Blocks the calling thread until the async [`{}`] completes, on the shared \
         `RuntimeThread` ([`RuntimeThread::shared`]({}::RuntimeThread::shared)); callable from \
         async code too.",
        name.unraw(),
        doc_path(krate),
    );
    let docs = appended_doc(&func.attrs, &doc);
    let turbofish = turbofish(generics);
    let call_args = &inputs.call_args;
    let params = &inputs.params;
    let call = quote!(#name #turbofish (#(#call_args),*));
    let call = if unsafety.is_some() {
        quote!(unsafe { #call })
    } else {
        call
    };
    Ok(quote! {
        #(#attrs)*
        #docs
        #[allow(dead_code)]
        #vis #unsafety fn #twin_name #generics (#(#params),*) #output #where_clause {
            #krate::RuntimeThread::shared().run(#call)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Impl blocks
// ---------------------------------------------------------------------------------------------

fn twin_impl(args: &Args, block: &ItemImpl) -> Result<TokenStream, Vec<syn::Error>> {
    if let Some((bang, trait_path, for_token)) = &block.trait_ {
        let impl_token = &block.impl_token;
        let generics = &block.generics;
        let self_ty = &block.self_ty;
        return Err(vec![syn::Error::new_spanned(
            quote!(#impl_token #generics #bang #trait_path #for_token #self_ty),
            format!(
                "{ATTR} goes on an inherent `impl` block; an async fn in a trait impl cannot \
                 have a sync twin of the same name on another type — write the twin by hand, \
                 or put the async fns in an inherent impl"
            ),
        )]);
    }
    let self_ty = &*block.self_ty;
    let Some(type_ident) = plain_path_ident(self_ty) else {
        return Err(vec![syn::Error::new_spanned(
            self_ty,
            format!(
                "{ATTR} needs an `impl` of a named type (`impl Store`, `impl<T> Store<T>`), \
                 whose twin is `StoreBlocking`; it cannot name a twin for this type"
            ),
        )]);
    };
    if let Some(span) = elided_lifetime(self_ty) {
        return Err(vec![syn::Error::new(
            span,
            format!(
                "{ATTR} needs the lifetimes of the type named, for the twin struct: write \
                 `impl<'a> {type_ident}<'a>` instead of `'_`"
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut methods = Vec::new();
    for item in &block.items {
        if let ImplItem::Fn(method) = item
            && method.sig.asyncness.is_some()
        {
            let len = errors.len();
            let twin = twin_method(args, self_ty, &type_ident, method, &mut errors);
            if errors.len() == len {
                methods.push(twin);
            }
        }
    }
    if methods.is_empty() && errors.is_empty() {
        return Err(vec![syn::Error::new_spanned(
            self_ty,
            format!(
                "nothing to twin: {ATTR} makes a blocking method for each `async fn` of the \
                 `impl` block, and this one has none; remove the attribute, or put it on the \
                 block with the async methods"
            ),
        )]);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let krate = &args.krate;
    let vis = &args.vis;
    let twin_ident = format_ident!("{}Blocking", type_ident.unraw(), span = type_ident.span());
    let mut generics = block.generics.clone();
    map_self_generics(&mut generics, self_ty);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let twin_ty = quote!(#twin_ident #ty_generics);
    let struct_params = &generics.params;
    let struct_generics = if struct_params.is_empty() {
        quote!()
    } else {
        quote!(<#struct_params>)
    };
    let cfgs: Vec<&Attribute> = block
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect();
    // A bound without a generic parameter (`Store: Debug` of a non-generic type) would be
    // checked where it is written (a trivial-bounds error when `Store` is not `Debug`);
    // `for<'…>` makes it checked only where the impl is used.
    let binder = generics
        .params
        .is_empty()
        .then(|| quote!(for<'__async_bridge>));
    let bound_where = |bound: TokenStream| {
        let predicates = where_clause.map(|w| &w.predicates).into_iter().flatten();
        quote!(where #(#predicates,)* #binder #self_ty: #bound)
    };
    let debug_where = bound_where(quote!(::core::fmt::Debug));
    let clone_where = bound_where(quote!(::core::clone::Clone));
    let type_name = type_ident.unraw().to_string();
    let twin_name = twin_ident.unraw().to_string();
    let path = doc_path(krate);
    let struct_doc = format!(
        " The blocking twin of [`{type_name}`]: each async method of `{type_name}` as a method \
         that blocks the calling thread until it completes (on a \
         [`RuntimeThread`]({path}::RuntimeThread)); callable from sync and async code."
    );
    let struct_doc2 = format!(
        " Make one with `From<{type_name}>` (on the shared runtime), [`with_runtime`]\
         (Self::with_runtime), or the twin of an async constructor of `{type_name}`; reach the \
         rest of `{type_name}` through [`get_ref`](Self::get_ref) and \
         [`get_mut`](Self::get_mut). Generated by `#[async_bridge::blocking]`."
    );
    let from_doc = format!(
        " The twin of `inner`, on the shared runtime ([`RuntimeThread::shared`]\
         ({path}::RuntimeThread::shared))."
    );
    let with_runtime_doc = " The twin of `inner`, running its methods on `rt`.";
    let get_ref_doc = format!(" The `{type_name}` inside.");
    let get_mut_doc = format!(" The `{type_name}` inside, mutably.");
    let into_inner_doc =
        format!(" Unwraps the `{type_name}` (the runtime is kept by its other clones).");
    let runtime_doc = format!(" The runtime the methods of this `{twin_name}` run on.");
    let rt_ty = quote!(#krate::RuntimeThread);
    Ok(quote! {
        #(#cfgs)*
        #[doc = #struct_doc]
        #[doc = ""]
        #[doc = #struct_doc2]
        #[allow(dead_code)]
        #vis struct #twin_ident #struct_generics #where_clause {
            inner: #self_ty,
            rt: #rt_ty,
        }

        #(#cfgs)*
        impl #impl_generics ::core::convert::From<#self_ty> for #twin_ty #where_clause {
            #[doc = #from_doc]
            fn from(inner: #self_ty) -> Self {
                Self::with_runtime(inner, ::core::clone::Clone::clone(#rt_ty::shared()))
            }
        }

        #(#cfgs)*
        impl #impl_generics ::core::fmt::Debug for #twin_ty #debug_where {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#twin_name)
                    .field("inner", &self.inner)
                    .field("rt", &self.rt)
                    .finish()
            }
        }

        #(#cfgs)*
        impl #impl_generics ::core::clone::Clone for #twin_ty #clone_where {
            fn clone(&self) -> Self {
                Self {
                    inner: ::core::clone::Clone::clone(&self.inner),
                    rt: ::core::clone::Clone::clone(&self.rt),
                }
            }
        }

        #(#cfgs)*
        #[allow(dead_code)]
        impl #impl_generics #twin_ty #where_clause {
            #[doc = #with_runtime_doc]
            #vis fn with_runtime(inner: #self_ty, rt: #rt_ty) -> Self {
                Self { inner, rt }
            }

            #[doc = #get_ref_doc]
            #vis fn get_ref(&self) -> &#self_ty {
                &self.inner
            }

            #[doc = #get_mut_doc]
            #vis fn get_mut(&mut self) -> &mut #self_ty {
                &mut self.inner
            }

            #[doc = #into_inner_doc]
            #vis fn into_inner(self) -> #self_ty {
                self.inner
            }

            #[doc = #runtime_doc]
            #vis fn runtime(&self) -> &#rt_ty {
                &self.rt
            }

            #(#methods)*
        }
    })
}

/// `Store` of `impl Store` / `impl<T> Store<T>` / `impl crate::Store`; `None` for other types.
fn plain_path_ident(ty: &Type) -> Option<Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if last.ident == "Self" || matches!(last.arguments, PathArguments::Parenthesized(_)) {
                return None;
            }
            Some(last.ident.clone())
        }
        Type::Group(group) => plain_path_ident(&group.elem),
        _ => None,
    }
}

/// The span of a `'_` (or `&` without a lifetime) in the type of the `impl`.
fn elided_lifetime(ty: &Type) -> Option<Span> {
    let mut found = None;
    walk_tokens(ty.to_token_stream(), &mut |tree, next| {
        if let proc_macro2::TokenTree::Punct(p) = tree
            && p.as_char() == '\''
            && matches!(next, Some(proc_macro2::TokenTree::Ident(i)) if i == "_")
        {
            found.get_or_insert(p.span());
        }
    });
    found
}

fn walk_tokens(
    tokens: TokenStream,
    f: &mut dyn FnMut(&proc_macro2::TokenTree, Option<&proc_macro2::TokenTree>),
) {
    let trees: Vec<_> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        f(tree, trees.get(i + 1));
        if let proc_macro2::TokenTree::Group(group) = tree {
            walk_tokens(group.stream(), f);
        }
    }
}

/// How the twin returns what the async method returns.
enum Wrap {
    /// Not the type: as it is (with `Self` spelled out).
    No,
    /// `Self`: the twin.
    Plain,
    /// `Result<Self, E>`, `Option<Self>` (or an alias with `Self` first): `.map` to the twin.
    Map,
}

/// The receiver of a method, as the twin passes it on.
enum Recv {
    None,
    Ref,
    Mut,
    Value,
}

fn twin_method(
    args: &Args,
    self_ty: &Type,
    type_ident: &Ident,
    method: &ImplItemFn,
    errors: &mut Vec<syn::Error>,
) -> TokenStream {
    let sig = &method.sig;
    check_sig(sig, errors);
    let recv = match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => match receiver_kind(receiver) {
            Some(recv) => recv,
            None => {
                errors.push(syn::Error::new_spanned(
                    receiver,
                    format!(
                        "{ATTR} cannot twin a method with this receiver: the twin holds the \
                         `{}` itself, so it can pass on only `self`, `&self` or `&mut self`; \
                         take it as an argument instead (`this: Box<Self>`), or move the \
                         method to an `impl` block without the attribute",
                        type_ident.unraw()
                    ),
                ));
                return TokenStream::new();
            }
        },
        _ => Recv::None,
    };
    let inputs = twin_inputs(sig, Some(self_ty));

    let krate = &args.krate;
    let name = &sig.ident;
    let mut generics = sig.generics.clone();
    map_self_generics(&mut generics, self_ty);
    let where_clause = &generics.where_clause;
    let (wrap, output) = match &sig.output {
        ReturnType::Default => (Wrap::No, quote!()),
        ReturnType::Type(arrow, ty) => {
            let wrap = wrap_of(ty, self_ty);
            let ty = match wrap {
                // `Self` in the twin's impl is the twin.
                Wrap::Plain => quote!(Self),
                Wrap::Map => {
                    let mut ty = (**ty).clone();
                    map_self_in_wrapper(&mut ty, self_ty);
                    ty.into_token_stream()
                }
                Wrap::No => {
                    let mut ty = (**ty).clone();
                    map_self_type(&mut ty, self_ty);
                    ty.into_token_stream()
                }
            };
            (wrap, quote!(#arrow #ty))
        }
    };

    let vis = &method.vis;
    let unsafety = &sig.unsafety;
    let attrs = kept_attrs(&method.attrs);
    let allow_deprecated = method
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("deprecated"))
        .then(|| quote!(#[allow(deprecated)]));
    let runs_on = match recv {
        Recv::None => format!(
            "the shared `RuntimeThread` ([`RuntimeThread::shared`]({}::RuntimeThread::shared))",
            doc_path(krate)
        ),
        _ => "this twin's `RuntimeThread`".to_owned(),
    };
    let returns = match wrap {
        Wrap::No => "",
        _ => " What it makes is returned as a twin, on the same runtime.",
    };
    let doc = format!(
        " Blocks the calling thread until the async `{}::{}` completes, on {runs_on}; \
         callable from async code too.{returns}",
        type_ident.unraw(),
        name.unraw(),
    );
    let docs = appended_doc(&method.attrs, &doc);

    // Hygienic locals: they cannot clash with the user's argument names.
    let rt = Ident::new("rt", Span::mixed_site());
    let out = Ident::new("out", Span::mixed_site());
    let inner = Ident::new("inner", Span::mixed_site());
    let turbofish = turbofish(&generics);
    let mut call_args: Vec<TokenStream> = Vec::new();
    match recv {
        Recv::None => {}
        Recv::Ref => call_args.push(quote!(&self.inner)),
        Recv::Mut => call_args.push(quote!(&mut self.inner)),
        Recv::Value => call_args.push(quote!(self.inner)),
    }
    call_args.extend(inputs.call_args.iter().cloned());
    let call = quote!(<#self_ty>::#name #turbofish (#(#call_args),*));
    let call = if unsafety.is_some() {
        quote!(unsafe { #call })
    } else {
        call
    };
    let get_rt = match recv {
        Recv::None => quote!(let #rt = #krate::RuntimeThread::shared();),
        Recv::Value => quote!(let #rt = self.rt;),
        Recv::Ref | Recv::Mut => quote!(let #rt = &self.rt;),
    };
    let owned_rt = match recv {
        Recv::Value => quote!(#rt),
        _ => quote!(::core::clone::Clone::clone(#rt)),
    };
    let body = match wrap {
        Wrap::No => quote! {
            #get_rt
            #rt.run(#call)
        },
        Wrap::Plain => quote! {
            #get_rt
            let #out = #rt.run(#call);
            Self::with_runtime(#out, #owned_rt)
        },
        Wrap::Map => quote! {
            #get_rt
            let #out = #rt.run(#call);
            #out.map(|#inner| Self::with_runtime(#inner, #owned_rt))
        },
    };
    let receiver = match recv {
        Recv::None => quote!(),
        Recv::Ref => quote!(&self,),
        Recv::Mut => quote!(&mut self,),
        Recv::Value => quote!(self,),
    };
    // The receiver of the signature keeps the user's lifetime (`&'a self`).
    let receiver = match (sig.inputs.first(), &recv) {
        (Some(FnArg::Receiver(r)), Recv::Ref | Recv::Mut) if r.colon_token.is_none() => {
            let and = &r.reference;
            let (and, lifetime) = match and {
                Some((and, lifetime)) => (quote!(#and), quote!(#lifetime)),
                None => (quote!(&), quote!()),
            };
            let mutability = &r.mutability;
            quote!(#and #lifetime #mutability self,)
        }
        _ => receiver,
    };
    let params = &inputs.params;
    quote! {
        #(#attrs)*
        #docs
        #allow_deprecated
        #[inline]
        #vis #unsafety fn #name #generics (#receiver #(#params),*) #output #where_clause {
            #body
        }
    }
}

/// `self`, `&self`, `&mut self` (also written `self: &Self` etc.); `None` for other receivers.
fn receiver_kind(receiver: &syn::Receiver) -> Option<Recv> {
    if receiver.colon_token.is_none() {
        return Some(match (&receiver.reference, &receiver.mutability) {
            (None, _) => Recv::Value,
            (Some(_), None) => Recv::Ref,
            (Some(_), Some(_)) => Recv::Mut,
        });
    }
    match &*receiver.ty {
        ty if is_self(ty) => Some(Recv::Value),
        Type::Reference(reference) if is_self(&reference.elem) => {
            Some(if reference.mutability.is_some() {
                Recv::Mut
            } else {
                Recv::Ref
            })
        }
        _ => None,
    }
}

fn is_self(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.qself.is_none() && path.path.is_ident("Self"),
        Type::Group(group) => is_self(&group.elem),
        Type::Paren(paren) => is_self(&paren.elem),
        _ => false,
    }
}

/// Is `ty` the type of the impl: `Self`, or the type spelled out?
fn is_the_type(ty: &Type, self_ty: &Type) -> bool {
    is_self(ty) || same_tokens(ty, self_ty)
}

fn same_tokens(a: &impl ToTokens, b: &impl ToTokens) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

fn wrap_of(ty: &Type, self_ty: &Type) -> Wrap {
    if is_the_type(ty, self_ty) {
        return Wrap::Plain;
    }
    if let Some(first) = wrapper_first_arg(ty)
        && is_the_type(first, self_ty)
    {
        return Wrap::Map;
    }
    Wrap::No
}

/// The first type argument of a `Result<…>` or `Option<…>` (by the last path segment, so
/// `io::Result<Self>` and `core::option::Option<Self>` count).
fn wrapper_first_arg(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Result" && last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(first) => Some(first),
        _ => None,
    }
}

/// `Result<Self, E>` of the twin: `Self` (the twin) first, the other `Self`s spelled out.
fn map_self_in_wrapper(ty: &mut Type, self_ty: &Type) {
    let Type::Path(path) = ty else { return };
    let Some(last) = path.path.segments.last_mut() else {
        return;
    };
    let PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return;
    };
    for (i, arg) in args.args.iter_mut().enumerate() {
        if i == 0 {
            *arg = syn::parse_quote!(Self);
        } else {
            map_self_arg(arg, self_ty);
        }
    }
}

/// What the signature of a twin needs that the async original cannot have.
fn check_sig(sig: &Signature, errors: &mut Vec<syn::Error>) {
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            format!("{ATTR} cannot twin an `extern` fn: remove the ABI"),
        ));
    }
    for input in &sig.inputs {
        if let FnArg::Typed(pat_type) = input
            && let Some(impl_trait) = impl_trait_in(&pat_type.ty)
        {
            errors.push(syn::Error::new_spanned(
                impl_trait,
                "the twin cannot name this `impl Trait` argument: use a named generic \
                 parameter `<T: Trait>` instead",
            ));
        }
    }
}

/// The parameters of the twin and the arguments it passes on.
struct Inputs {
    params: Vec<TokenStream>,
    call_args: Vec<TokenStream>,
}

/// The typed arguments of `sig` (not the receiver): a plain `name: T` (or `mut name: T`)
/// keeps its name; other patterns get a hygienic one. With `self_ty`, `Self` in the types is
/// spelled out (in the twin, `Self` is the twin).
fn twin_inputs(sig: &Signature, self_ty: Option<&Type>) -> Inputs {
    let mut params = Vec::new();
    let mut call_args = Vec::new();
    for (i, input) in sig.inputs.iter().enumerate() {
        let FnArg::Typed(pat_type) = input else {
            continue;
        };
        let name = match &*pat_type.pat {
            Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                ident.ident.clone()
            }
            _ => Ident::new(&format!("arg{i}"), Span::mixed_site()),
        };
        let mut ty = (*pat_type.ty).clone();
        if let Some(self_ty) = self_ty {
            map_self_type(&mut ty, self_ty);
        }
        let attrs = pat_type
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"));
        let attrs: Vec<&Attribute> = attrs.collect();
        params.push(quote!(#(#attrs)* #name: #ty));
        call_args.push(quote!(#(#attrs)* #name));
    }
    Inputs { params, call_args }
}

/// `::<T, N>` for the type and const parameters of `generics` (lifetimes are inferred).
fn turbofish(generics: &Generics) -> TokenStream {
    let params: Vec<TokenStream> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) => Some(ty.ident.to_token_stream()),
            GenericParam::Const(c) => Some(c.ident.to_token_stream()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if params.is_empty() {
        quote!()
    } else {
        quote!(::<#(#params),*>)
    }
}

/// The attributes that carry over to a twin (docs are appended to separately).
fn kept_attrs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs
        .iter()
        .filter(|attr| {
            let path = attr.path();
            ["cfg", "cfg_attr", "allow", "deprecated", "must_use"]
                .iter()
                .any(|name| path.is_ident(name))
        })
        .collect()
}

/// The original docs, then a paragraph `line`.
fn appended_doc(attrs: &[Attribute], line: &str) -> TokenStream {
    let docs: Vec<&Attribute> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .collect();
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    quote! {
        #(#docs)*
        #separator
        #[doc = #line]
    }
}

/// The crate path as an intra-doc link path (no leading `::`).
fn doc_path(krate: &TokenStream) -> String {
    let text = krate.to_string().replace(' ', "");
    text.trim_start_matches("::").to_owned()
}

// ---------------------------------------------------------------------------------------------
// `Self` in types, and `impl Trait`
// ---------------------------------------------------------------------------------------------

/// The first `impl Trait` in `ty`, if any.
fn impl_trait_in(ty: &Type) -> Option<TokenStream> {
    let mut ty = ty.clone();
    let mut walker = Walker {
        self_ty: None,
        impl_trait: None,
    };
    walker.ty(&mut ty);
    walker.impl_trait
}

fn map_self_type(ty: &mut Type, self_ty: &Type) {
    Walker {
        self_ty: Some(self_ty),
        impl_trait: None,
    }
    .ty(ty);
}

fn map_self_arg(arg: &mut GenericArgument, self_ty: &Type) {
    Walker {
        self_ty: Some(self_ty),
        impl_trait: None,
    }
    .generic_arg(arg);
}

fn map_self_generics(generics: &mut Generics, self_ty: &Type) {
    let mut walker = Walker {
        self_ty: Some(self_ty),
        impl_trait: None,
    };
    for param in &mut generics.params {
        match param {
            GenericParam::Type(param) => {
                for bound in &mut param.bounds {
                    walker.bound(bound);
                }
                if let Some(default) = &mut param.default {
                    walker.ty(default);
                }
            }
            GenericParam::Const(param) => walker.ty(&mut param.ty),
            GenericParam::Lifetime(_) => {}
        }
    }
    if let Some(where_clause) = &mut generics.where_clause {
        for predicate in &mut where_clause.predicates {
            if let WherePredicate::Type(predicate) = predicate {
                walker.ty(&mut predicate.bounded_ty);
                for bound in &mut predicate.bounds {
                    walker.bound(bound);
                }
            }
        }
    }
}

/// Walks a type: replaces `Self` by `self_ty` (when given) and notes the first `impl Trait`.
struct Walker<'a> {
    self_ty: Option<&'a Type>,
    impl_trait: Option<TokenStream>,
}

impl Walker<'_> {
    fn ty(&mut self, ty: &mut Type) {
        match ty {
            Type::Path(path) => {
                if let Some(qself) = &mut path.qself {
                    self.ty(&mut qself.ty);
                }
                if let Some(self_ty) = self.self_ty
                    && path.qself.is_none()
                    && path.path.leading_colon.is_none()
                    && path
                        .path
                        .segments
                        .first()
                        .is_some_and(|s| s.ident == "Self")
                {
                    if path.path.segments.len() == 1 {
                        *ty = self_ty.clone();
                        return;
                    }
                    // `Self::Assoc` → `<Type>::Assoc`.
                    let rest: Vec<_> = path.path.segments.iter().skip(1).cloned().collect();
                    let span = path.path.segments[0].ident.span();
                    *path = syn::TypePath {
                        qself: Some(syn::QSelf {
                            lt_token: Token![<](span),
                            ty: Box::new(self_ty.clone()),
                            position: 0,
                            as_token: None,
                            gt_token: Token![>](span),
                        }),
                        path: Path {
                            leading_colon: Some(Token![::](span)),
                            segments: rest.into_iter().collect(),
                        },
                    };
                }
                self.path(&mut path.path);
            }
            Type::Array(array) => self.ty(&mut array.elem),
            Type::BareFn(func) => {
                for input in &mut func.inputs {
                    self.ty(&mut input.ty);
                }
                if let ReturnType::Type(_, output) = &mut func.output {
                    self.ty(output);
                }
            }
            Type::Group(group) => self.ty(&mut group.elem),
            Type::ImplTrait(impl_trait) => {
                if self.impl_trait.is_none() {
                    self.impl_trait = Some(impl_trait.to_token_stream());
                }
                for bound in &mut impl_trait.bounds {
                    self.bound(bound);
                }
            }
            Type::Paren(paren) => self.ty(&mut paren.elem),
            Type::Ptr(ptr) => self.ty(&mut ptr.elem),
            Type::Reference(reference) => self.ty(&mut reference.elem),
            Type::Slice(slice) => self.ty(&mut slice.elem),
            Type::TraitObject(object) => {
                for bound in &mut object.bounds {
                    self.bound(bound);
                }
            }
            Type::Tuple(tuple) => {
                for elem in &mut tuple.elems {
                    self.ty(elem);
                }
            }
            _ => {}
        }
    }

    fn path(&mut self, path: &mut Path) {
        for segment in &mut path.segments {
            match &mut segment.arguments {
                PathArguments::None => {}
                PathArguments::AngleBracketed(args) => {
                    for arg in &mut args.args {
                        self.generic_arg(arg);
                    }
                }
                PathArguments::Parenthesized(args) => {
                    for input in &mut args.inputs {
                        self.ty(input);
                    }
                    if let ReturnType::Type(_, output) = &mut args.output {
                        self.ty(output);
                    }
                }
            }
        }
    }

    fn generic_arg(&mut self, arg: &mut GenericArgument) {
        match arg {
            GenericArgument::Type(ty) => self.ty(ty),
            GenericArgument::AssocType(assoc) => self.ty(&mut assoc.ty),
            GenericArgument::Constraint(constraint) => {
                for bound in &mut constraint.bounds {
                    self.bound(bound);
                }
            }
            _ => {}
        }
    }

    fn bound(&mut self, bound: &mut TypeParamBound) {
        if let TypeParamBound::Trait(bound) = bound {
            self.path(&mut bound.path);
        }
    }
}
