//! `hostile`: a test fixture that misbehaves on request, to show that the platform
//! contains it. The query parameter `mode` picks the misdeed:
//!
//! | mode | what it does | what the platform should answer |
//! |---|---|---|
//! | `loop` | spins forever | 504 at the deadline |
//! | `bomb` | grows a `Vec` until allocation fails (abort) | 502 |
//! | `recurse` | recurses without bound until the stack overflows | 502 |
//! | `panic` | panics (abort) | 502 |
//! | `flood` | prints 100,000 lines of 100 bytes, then answers `survived` | 200, log truncated |
//! | `sleep` | sleeps for an hour | 504 at the deadline |
//! | `nap` | sleeps `ms` milliseconds (query `ms`, default 1000), then answers `rested` | 200 |
//! | `burn` | keeps a CPU busy for `ms` milliseconds (default 200), then answers `burnt` | 200 |
//! | `ok` | answers `ok` | 200 |
//!
//! Any other mode is answered 400. `std::hint::black_box` keeps the optimizer from
//! removing the work.

use std::hint::black_box;
use std::time::Duration;

use updraft::{Request, Response};

/// Bytes added to the bomb per step.
const BOMB_STEP: usize = 1 << 20;
/// Lines printed by `flood`.
const FLOOD_LINES: usize = 100_000;
/// Bytes per flood line, newline included.
const FLOOD_LINE_BYTES: usize = 100;

#[updraft::handler]
fn handle(req: Request) -> Response {
    match req.query_param("mode").as_deref() {
        Some("loop") => spin(),
        Some("bomb") => bomb(),
        Some("recurse") => Response::text(format!("{}\n", recurse(0))),
        Some("panic") => panic!("hostile: panic requested"),
        Some("flood") => flood(),
        Some("sleep") => {
            std::thread::sleep(black_box(Duration::from_secs(3600)));
            Response::text("woke up after an hour\n")
        }
        Some("nap") => {
            let ms = req.query_param("ms").and_then(|ms| ms.parse().ok()).unwrap_or(1000);
            std::thread::sleep(Duration::from_millis(ms));
            Response::text("rested")
        }
        Some("burn") => {
            let ms = req.query_param("ms").and_then(|ms| ms.parse().ok()).unwrap_or(200);
            let until = std::time::Instant::now() + Duration::from_millis(ms);
            let mut counter = 0u64;
            while std::time::Instant::now() < until {
                counter = black_box(counter.wrapping_add(1));
            }
            Response::text("burnt")
        }
        Some("ok") => Response::text("ok"),
        other => {
            let mode = other.unwrap_or("");
            Response::text(format!("unknown mode {mode:?}; try loop, bomb, recurse, panic, flood, sleep, nap, burn or ok\n"))
                .with_status(400)
        }
    }
}

/// Never returns.
fn spin() -> ! {
    let mut counter = 0u64;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Touches ever more memory until an allocation fails, which aborts the instance.
fn bomb() -> ! {
    let mut hoard: Vec<u8> = Vec::new();
    loop {
        let len = hoard.len();
        hoard.resize(len + black_box(BOMB_STEP), 0xa5);
        black_box(&mut hoard);
    }
}

/// Recurses with a real frame per call until the stack is exhausted: the work after
/// the call keeps it from being a tail call, `black_box` keeps the frame.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 256];
    frame[0] = depth as u8;
    black_box(&mut frame);
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(black_box(depth + 1)).wrapping_add(u64::from(frame[0]))
}

/// Prints a flood of lines to stdout, then shows that it is still alive.
fn flood() -> Response {
    let filler = "x".repeat(FLOOD_LINE_BYTES - 1 - 7);
    for line in 0..FLOOD_LINES {
        // "{line:06} " is 7 bytes; with the filler and the newline, 100 bytes.
        println!("{line:06} {}", black_box(filler.as_str()));
    }
    Response::text("survived")
}
