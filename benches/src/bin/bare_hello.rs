//! The baseline of the load bench: a bare axum server answering `Hello, world!`.
//! Usage: bare_hello ADDR

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8090".into()).parse()?;
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!\n" }));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
