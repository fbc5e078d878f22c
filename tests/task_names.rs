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

/// `Builder::name` takes whatever string the caller has in hand, as tokio's `name(&str)`
/// does for `&String`; an `Arc<str>` is shared rather than copied.
#[async_bridge::test(timeout = "60s")]
async fn builder_name_takes_every_string_form(rt: impl Runtime) {
    use std::borrow::Cow;
    use std::sync::Arc;

    async fn named<R: Runtime>(rt: &R, builder: Builder, expected: &str) {
        let handle = builder.spawn_on(async { 1 }, rt);
        assert_eq!(handle.name(), Some(expected));
        assert!(format!("{handle:?}").contains(&format!("name: {expected:?}")));
        assert_eq!(handle.await.unwrap(), 1);
    }

    let owned: String = format!("worker-{}", 7);
    named(&rt, Builder::new().name(&owned), "worker-7").await;
    named(&rt, Builder::new().name(owned.as_str()), "worker-7").await;
    named(&rt, Builder::new().name(owned.clone()), "worker-7").await;
    named(
        &rt,
        Builder::new().name(owned.clone().into_boxed_str()),
        "worker-7",
    )
    .await;
    named(
        &rt,
        Builder::new().name(Cow::Borrowed("borrowed")),
        "borrowed",
    )
    .await;
    named(
        &rt,
        Builder::new().name(Cow::<str>::Owned(owned.clone())),
        "worker-7",
    )
    .await;
    let cow: Cow<'_, str> = Cow::Owned(String::from("by-ref"));
    named(&rt, Builder::new().name(&cow), "by-ref").await;
    named(&rt, Builder::new().name("literal"), "literal").await;

    // An `Arc<str>` is shared with the handle, not copied.
    let shared: Arc<str> = Arc::from("shared");
    let handle = Builder::new().name(&shared).spawn_on(async {}, &rt);
    assert_eq!(handle.name(), Some("shared"));
    assert_eq!(
        handle.name().map(str::as_ptr),
        Some(shared.as_ptr()),
        "the handle shares the caller's name"
    );
    handle.await.unwrap();
    let handle = Builder::new()
        .name(Arc::clone(&shared))
        .spawn_blocking_on(|| 2, &rt);
    assert_eq!(handle.name(), Some("shared"));
    assert_eq!(handle.await.unwrap(), 2);
}
