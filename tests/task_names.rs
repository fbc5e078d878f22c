//! Task names and spawn locations, on every backend: `task::Builder` names a task, every
//! spawn records its caller's file and line, and both show in `JoinHandle`'s `Debug` and
//! in `JoinError`.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]

use async_bridge::task::Builder;
use async_bridge::{Runtime, RuntimeHandle, Spawn, SpawnBlocking};

#[async_bridge::test(timeout = "60s")]
async fn a_named_task_shows_its_name_in_handle_and_error(rt: impl Runtime) {
    let handle = Builder::new()
        .name("fetch-config")
        .spawn_on(async { panic!("no config file") }, &rt);
    assert_eq!(handle.name(), Some("fetch-config"));
    let debug = format!("{handle:?}");
    assert!(debug.contains("name: \"fetch-config\""), "{debug}");
    assert!(
        debug.contains(&format!("spawned_at: {}:", file!())),
        "{debug}"
    );
    let err = handle.await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.name(), Some("fetch-config"));
    assert_eq!(
        err.to_string(),
        "task \"fetch-config\" panicked with message \"no config file\""
    );
    assert!(format!("{err:?}").contains("fetch-config"));

    let pending = Builder::new()
        .name(String::from("forever"))
        .spawn_on(std::future::pending::<()>(), &rt);
    pending.abort();
    let err = pending.await.unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(err.to_string(), "task \"forever\" was cancelled");
}

#[async_bridge::test(timeout = "60s")]
async fn a_named_blocking_closure_shows_its_name(rt: impl Runtime) {
    let handle = Builder::new()
        .name("checksum")
        .spawn_blocking_on(|| -> u32 { panic!("bad block") }, &rt);
    assert_eq!(handle.name(), Some("checksum"));
    let err = handle.await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "task \"checksum\" panicked with message \"bad block\""
    );
    let ok = Builder::new().name("sum").spawn_blocking_on(|| 1 + 1, &rt);
    assert_eq!(ok.await.unwrap(), 2);
}

#[async_bridge::test(timeout = "60s")]
async fn unnamed_tasks_keep_the_plain_messages(rt: impl Runtime) {
    let handle = rt.spawn(async { panic!("boom") });
    assert_eq!(handle.name(), None);
    assert!(!format!("{handle:?}").contains("name: "));
    let err = handle.await.unwrap_err();
    assert_eq!(err.name(), None);
    assert_eq!(err.to_string(), "task panicked with message \"boom\"");
}

/// `#[track_caller]` reaches through generic code, the dyn handle and the free functions.
#[async_bridge::test(timeout = "60s")]
async fn every_spawn_records_its_callers_line(rt: impl Runtime) {
    let line = line!() + 1;
    let a = rt.spawn(async {});
    assert_eq!(
        (a.spawned_at().file(), a.spawned_at().line()),
        (file!(), line)
    );

    let line = line!() + 1;
    let b = rt.spawn_blocking(|| {});
    assert_eq!(b.spawned_at().line(), line);

    let dyn_rt = RuntimeHandle::new(rt.clone());
    let line = line!() + 1;
    let c = dyn_rt.spawn(async {});
    assert_eq!(c.spawned_at().line(), line);
    let line = line!() + 1;
    let d = dyn_rt.spawn_blocking(|| {});
    assert_eq!(d.spawned_at().line(), line);

    let builder = Builder::new().name("located");
    let line = line!() + 1;
    let e = builder.spawn_on(async {}, &dyn_rt);
    assert_eq!((e.name(), e.spawned_at().line()), (Some("located"), line));

    // The free functions, on the runtime this test runs in.
    let line = line!() + 1;
    let f = async_bridge::spawn(async {});
    assert_eq!(f.spawned_at().line(), line);
    let line = line!() + 1;
    let g = Builder::new().spawn_blocking(|| {});
    assert_eq!(g.spawned_at().line(), line);

    /// A library function generic over the runtime: the location is its caller's only if
    /// it is `#[track_caller]` itself, as with any Rust function.
    fn spawn_in_library<R: Spawn>(rt: &R) -> async_bridge::JoinHandle<()> {
        rt.spawn(async {})
    }
    let h = spawn_in_library(&rt);
    assert_eq!(h.spawned_at().line(), line!() - 3);

    for handle in [a, c, e, f, h] {
        handle.await.unwrap();
    }
    for handle in [b, d, g] {
        handle.await.unwrap();
    }
}
