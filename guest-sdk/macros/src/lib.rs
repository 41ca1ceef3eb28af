//! Procedural macros of the Updraft guest SDK; use them through the `updraft` crate
//! (`#[updraft::handler]`), which owns the runtime code they call into.
//!
//! This crate only rewrites syntax: it checks the handler's shape and emits the
//! guest ABI exports `updraft_alloc` and `updraft_handle`, which forward to
//! `updraft::__private`. It depends on nothing of Updraft.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType, parse_macro_input};

/// Marks the function that handles each invocation; documented on `updraft::handler`.
#[proc_macro_attribute]
pub fn handler(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let attr = proc_macro2::TokenStream::from(attr);
        return syn::Error::new(attr.span(), "#[updraft::handler] takes no arguments").to_compile_error().into();
    }
    let function = parse_macro_input!(item as ItemFn);
    match check_signature(&function) {
        Ok(()) => expand(&function).into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#function #error).into()
        }
    }
}

/// A handler is a plain, synchronous, non-generic function of one argument.
fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(asyncness) = sig.asyncness {
        return Err(syn::Error::new(asyncness.span(), "an updraft handler cannot be async"));
    }
    if let Some(unsafety) = sig.unsafety {
        return Err(syn::Error::new(unsafety.span(), "an updraft handler cannot be unsafe"));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(sig.generics.span(), "an updraft handler cannot be generic"));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(variadic.span(), "an updraft handler cannot be variadic"));
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new(receiver.span(), "an updraft handler must be a free function"));
    }
    if sig.inputs.len() != 1 {
        let span = if sig.inputs.is_empty() { sig.paren_token.span.join() } else { sig.inputs.span() };
        return Err(syn::Error::new(span, "an updraft handler takes exactly one argument: `req: updraft::Request`"));
    }
    if let ReturnType::Default = sig.output {
        return Err(syn::Error::new(
            sig.ident.span(),
            "an updraft handler returns a response: `-> updraft::Response` or `-> Result<updraft::Response, E>`",
        ));
    }
    Ok(())
}

/// The function unchanged, plus the exports on wasm32 and a type check elsewhere.
fn expand(function: &ItemFn) -> proc_macro2::TokenStream {
    let name = &function.sig.ident;
    // Type errors about the handler (wrong argument or return type) point at its name.
    let span = name.span().resolved_at(Span::call_site());
    let run = quote_spanned! {span=>
        ::updraft::__private::handle(ptr, len, #name)
    };
    let check = quote_spanned! {span=>
        ::updraft::__private::check_handler(#name)
    };
    quote! {
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
        #function

        /// Guest ABI export `updraft_alloc`: fresh memory for the host to write into.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(export_name = "updraft_alloc")]
        extern "C" fn __updraft_alloc(size: i32) -> i32 {
            ::updraft::__private::alloc(size)
        }

        /// Guest ABI export `updraft_handle`: runs the handler on the Request at ptr/len.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(export_name = "updraft_handle")]
        extern "C" fn __updraft_handle(ptr: i32, len: i32) -> i64 {
            // SAFETY: the host calls this export with a region it wrote the request into,
            // inside a buffer it got from `updraft_alloc`.
            unsafe { #run }
        }

        /// Type-checks the handler where no exports are generated.
        #[cfg(not(target_arch = "wasm32"))]
        #[allow(dead_code)]
        fn __updraft_check_handler() {
            #check
        }
    }
}
