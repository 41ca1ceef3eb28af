//! The gateway's HTTP front: invocations (`/fn/...`) go straight to the invocation path,
//! everything else through the API's router. The invocation path parses its own route,
//! so the router's matching and its path parameters would be work done for nothing on
//! the path every call takes (cluster bench here, 10 rounds in two runs: rate 1.02 of
//! the build that routed them, within this machine's noise of ±10% per round).

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use futures::future::BoxFuture;
use tower::Service;

use crate::Gateway;

/// Serves the whole HTTP API (see [`Gateway::front`]).
#[derive(Clone)]
pub struct Front {
    gateway: Gateway,
    router: Router,
}

impl Front {
    pub(crate) fn new(gateway: Gateway) -> Front {
        Front { router: crate::routes::router(gateway.clone()), gateway }
    }
}

impl Service<Request> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both the invocation path and the router are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.uri().path().starts_with("/fn/") {
            let gateway = self.gateway.clone();
            // What the router's layer does for every route: drain an unread body.
            let request = crate::drain::draining(request);
            Box::pin(async move { Ok(crate::invoke::invoke(State(gateway), request).await) })
        } else {
            Box::pin(self.router.call(request))
        }
    }
}
