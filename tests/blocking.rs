//! `#[async_bridge::blocking]`: the sync twins of async impl blocks and free async fns, used
//! from sync code, from async code and from many threads at once.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
#![warn(missing_docs)]
#![deny(warnings)]

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_bridge::RuntimeThread;

/// Why a store cannot be opened.
#[derive(Debug, PartialEq, Eq)]
pub struct OpenError(pub String);

/// A small async in-memory store.
#[derive(Debug, Default, Clone)]
pub struct Store {
    name: String,
    map: HashMap<String, String>,
}

#[async_bridge::blocking]
impl Store {
    /// An empty store.
    pub async fn new() -> Self {
        async_bridge::yield_now().await;
        Store::default()
    }

    /// Opens the store `name`; fails for an empty name.
    pub async fn open(name: &str) -> Result<Self, OpenError> {
        async_bridge::sleep(Duration::from_millis(1)).await;
        if name.is_empty() {
            return Err(OpenError("empty name".into()));
        }
        Ok(Store {
            name: name.to_owned(),
            map: HashMap::new(),
        })
    }

    /// The store `name`, if it is one of the known ones.
    pub async fn find(name: &str) -> Option<Store> {
        (name == "known").then(|| Store {
            name: name.to_owned(),
            map: HashMap::new(),
        })
    }

    /// The value of `key`.
    pub async fn get(&self, key: &str) -> Option<String> {
        async_bridge::yield_now().await;
        self.map.get(key).cloned()
    }

    /// Sets `key` to `value`, returning the old value.
    pub async fn put(&mut self, key: String, mut value: String) -> Option<String> {
        async_bridge::sleep(Duration::from_micros(10)).await;
        value.push('!');
        self.map.insert(key, value)
    }

    /// The name, consuming the store.
    pub async fn into_name(self) -> String {
        self.name
    }

    /// A copy with another name (by value, returning `Self`).
    pub async fn renamed(self, name: &str) -> Self {
        Store {
            name: name.to_owned(),
            ..self
        }
    }

    /// A copy of this store: `&self` returning `Self` (the twin, on this twin's runtime).
    pub async fn snapshot(&self) -> Store {
        self.clone()
    }

    /// Whether both have the same entries: `Self` in an argument is the inner type.
    pub async fn same_entries(&self, other: &Self) -> bool {
        self.map == other.map
    }

    /// Two copies: `Self` in another position stays the inner type.
    pub async fn split(&self) -> Vec<Self> {
        vec![self.clone(), self.clone()]
    }

    /// Takes an inner store by value and merges it.
    pub async fn merge(&mut self, other: Self) {
        self.map.extend(other.map);
    }

    /// Pattern arguments get a generated name in the twin.
    pub async fn put_pair(&mut self, (key, value): (String, String), _: u8) {
        self.map.insert(key, value);
    }

    /// A generic method with a `where` clause.
    pub async fn get_parsed<T>(&self, key: &str) -> Option<T>
    where
        T: std::str::FromStr,
    {
        self.map.get(key)?.trim_end_matches('!').parse().ok()
    }

    /// Compiled out: it has no twin either.
    #[cfg(any())]
    pub async fn gone(&self) -> u8 {
        0
    }

    /// An async method whose body uses the runtime: spawn, sleep and spawn_blocking.
    pub async fn busy(&self, n: u64) -> u64 {
        let task = async_bridge::spawn(async move {
            async_bridge::sleep(Duration::from_millis(2)).await;
            n * 2
        });
        let blocking = async_bridge::spawn_blocking(move || n + 1);
        task.await.unwrap() + blocking.await.unwrap()
    }

    /// Not async: no twin, reached through `get_ref()`.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[test]
fn constructors_return_the_twin() {
    let store: StoreBlocking = StoreBlocking::new();
    assert!(store.get_ref().is_empty());

    let store: Result<StoreBlocking, OpenError> = StoreBlocking::open("db");
    let store = store.unwrap();
    assert_eq!(store.get_ref().name, "db");
    assert_eq!(
        StoreBlocking::open("").unwrap_err(),
        OpenError("empty name".into())
    );

    let found: Option<StoreBlocking> = StoreBlocking::find("known");
    assert!(found.is_some());
    assert!(StoreBlocking::find("unknown").is_none());
}

#[test]
fn methods_from_sync_code() {
    let mut store = StoreBlocking::open("db").unwrap();
    assert_eq!(store.put("k".into(), "v".into()), None);
    assert_eq!(store.get("k").as_deref(), Some("v!"));
    assert_eq!(store.put("k".into(), "w".into()).as_deref(), Some("v!"));
    store.put_pair(("n".into(), "42".into()), 0);
    assert_eq!(store.get_parsed::<u32>("n"), Some(42));
    assert_eq!(store.get_ref().len(), 2);

    let snapshot: StoreBlocking = store.snapshot();
    assert!(store.same_entries(snapshot.get_ref()));
    let copies: Vec<Store> = store.split();
    assert_eq!(copies.len(), 2);
    let mut other = Store::default();
    other.map.insert("o".into(), "p".into());
    store.merge(other);
    assert_eq!(store.get("o").as_deref(), Some("p"));

    let renamed: StoreBlocking = store.clone().renamed("other");
    assert_eq!(renamed.into_name(), "other");
    assert_eq!(store.into_name(), "db");
}

#[test]
fn from_async_code() {
    let store = StoreBlocking::open("db").unwrap();
    let value = async_bridge::block_on(async {
        let mut store = store;
        store.put("k".into(), "v".into());
        async_bridge::yield_now().await;
        store.get("k")
    });
    assert_eq!(value.as_deref(), Some("v!"));

    // From a spawned task, and a constructor too.
    let task = async_bridge::block_on(async_bridge::spawn(async {
        let mut store = StoreBlocking::new();
        store.put("a".into(), "b".into());
        store.get("a")
    }));
    assert_eq!(task.unwrap().as_deref(), Some("b!"));
}

#[test]
fn many_threads() {
    let store = StoreBlocking::open("shared").unwrap();
    let counter = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = store.clone();
            let counter = &counter;
            scope.spawn(move || {
                let mut store = store;
                for i in 0..100 {
                    let key = format!("{t}-{i}");
                    store.put(key.clone(), i.to_string());
                    assert_eq!(store.get(&key), Some(format!("{i}!")));
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                assert_eq!(store.get_ref().len(), 100);
            });
        }
    });
    assert_eq!(counter.load(Ordering::Relaxed), 800);
}

#[test]
fn runtime_and_accessors() {
    let rt = RuntimeThread::new();
    let mut store = StoreBlocking::with_runtime(Store::default(), rt.clone());
    store.put("k".into(), "v".into());
    store.get_mut().map.insert("direct".into(), "x".into());
    assert_eq!(store.get("direct").as_deref(), Some("x"));
    assert_eq!(store.get_ref().len(), 2);
    assert!(format!("{:?}", store.runtime()).contains("RuntimeThread"));
    // A twin made by a method runs on the same runtime.
    let snapshot = store.snapshot();
    assert_eq!(snapshot.get("k").as_deref(), Some("v!"));

    let debug = format!("{store:?}");
    assert!(debug.starts_with("StoreBlocking"), "{debug}");

    let inner: Store = store.into_inner();
    assert_eq!(inner.len(), 2);
    let again = StoreBlocking::from(inner);
    assert_eq!(again.get("k").as_deref(), Some("v!"));
    drop(again);
    drop(snapshot);
    drop(rt);
}

#[test]
fn runs_the_runtime_inside() {
    let store = StoreBlocking::from(Store::default());
    assert_eq!(store.busy(10), 31);
    let on_own = StoreBlocking::with_runtime(Store::default(), RuntimeThread::new());
    assert_eq!(on_own.busy(1), 4);
    assert_eq!(async_bridge::block_on(async { on_own.busy(2) }), 7);
}

/// A generic type, not `Debug` nor `Clone` unless `T` is.
pub struct Cell<T> {
    value: Mutex<Option<T>>,
}

#[async_bridge::blocking]
impl<T> Cell<T>
where
    T: Send + Clone,
{
    /// A cell holding `value`.
    pub async fn with(value: T) -> Self {
        Cell {
            value: Mutex::new(Some(value)),
        }
    }

    /// The value, if any.
    pub async fn value(&self) -> Option<T> {
        self.value.lock().unwrap().clone()
    }

    /// Replaces the value with one made by `f`.
    pub async fn replace_with<F>(&self, f: F) -> Option<T>
    where
        F: FnOnce() -> T,
    {
        self.value.lock().unwrap().replace(f())
    }
}

impl<T: Debug> Debug for Cell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cell").field("value", &self.value).finish()
    }
}

#[test]
fn generic_impl() {
    let cell: CellBlocking<String> = CellBlocking::with("a".to_owned());
    assert_eq!(cell.value().as_deref(), Some("a"));
    assert_eq!(cell.replace_with(|| "b".to_owned()).as_deref(), Some("a"));
    assert_eq!(cell.value().as_deref(), Some("b"));
    assert!(format!("{cell:?}").contains("CellBlocking"));

    // A `T` that is not `Debug`: the twin is not `Debug` either, and works.
    struct NotDebug;
    impl Clone for NotDebug {
        fn clone(&self) -> Self {
            NotDebug
        }
    }
    let cell = CellBlocking::with(NotDebug);
    assert!(cell.value().is_some());
}

/// A type with a lifetime.
#[derive(Debug)]
pub struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

#[async_bridge::blocking]
impl<'a> Parser<'a> {
    /// A parser of `input`.
    pub async fn new(input: &'a str) -> Parser<'a> {
        Parser { input, pos: 0 }
    }

    /// The next word, borrowed from the input.
    pub async fn next_word(&mut self) -> Option<&'a str> {
        async_bridge::yield_now().await;
        let rest = self.input[self.pos..].trim_start();
        if rest.is_empty() {
            return None;
        }
        let start = self.input.len() - rest.len();
        let end = rest.find(' ').map_or(self.input.len(), |i| start + i);
        self.pos = end;
        Some(&self.input[start..end])
    }

    /// The rest, borrowed from the parser (an elided lifetime).
    pub async fn rest(&self) -> &str {
        &self.input[self.pos..]
    }
}

#[test]
fn lifetime_generics() {
    let text = String::from("one two three");
    let mut parser: ParserBlocking<'_> = ParserBlocking::new(&text);
    assert_eq!(parser.next_word(), Some("one"));
    assert_eq!(parser.rest(), " two three");
    assert_eq!(parser.next_word(), Some("two"));
    assert_eq!(parser.next_word(), Some("three"));
    assert_eq!(parser.next_word(), None);
}

/// Doubles `n` after a short sleep.
#[async_bridge::blocking]
pub async fn double(n: u32) -> u32 {
    async_bridge::sleep(Duration::from_millis(1)).await;
    n * 2
}

/// Parses `text` as a `T`, generically.
#[async_bridge::blocking]
pub async fn parse_as<T>(text: &str) -> Option<T>
where
    T: std::str::FromStr,
{
    text.parse().ok()
}

#[async_bridge::blocking]
async fn private_sum((a, b): (u8, u8), mut c: u8) -> u8 {
    c += a + b;
    c
}

#[test]
fn free_fns() {
    assert_eq!(double_blocking(21), 42);
    assert_eq!(parse_as_blocking::<u16>("7"), Some(7));
    assert_eq!(private_sum_blocking((1, 2), 3), 6);
    assert_eq!(async_bridge::block_on(async { double_blocking(2) }), 4);
    assert_eq!(async_bridge::block_on(double(3)), 6);
    let threads: Vec<_> = (0..8)
        .map(|t| std::thread::spawn(move || (0..100).map(|i| double_blocking(t * i)).sum::<u32>()))
        .collect();
    let total: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 2 * (0..8).sum::<u32>() * (0..100).sum::<u32>());
}

/// The async API is still there beside the twin.
#[test]
fn async_api_unchanged() {
    let value = async_bridge::block_on(async {
        let mut store = Store::open("db").await.unwrap();
        store.put("k".into(), "v".into()).await;
        store.get("k").await
    });
    assert_eq!(value.as_deref(), Some("v!"));
}

/// Not `Debug`, not `Clone`, not generic: the twin has neither, and compiles.
#[allow(missing_debug_implementations)]
pub struct Plain(u8);

#[async_bridge::blocking]
impl Plain {
    /// A `new` without arguments, on a type without `Default`: no clippy lint on the twin.
    pub async fn new() -> Self {
        Plain(0)
    }

    /// The value.
    pub async fn value(&self) -> u8 {
        self.0
    }

    /// Deprecated: the twin is too, and calling the original inside it does not warn.
    #[deprecated(note = "use `value`")]
    pub async fn old_value(&self) -> u8 {
        self.0
    }

    /// Arguments named like the twin's fields and locals: no clash.
    pub async fn add(&self, rt: u8, inner: u8, out: u8) -> u8 {
        self.0 + rt + inner + out
    }

    /// A `self: &Self` receiver, as `&self`.
    #[allow(clippy::needless_arbitrary_self_type)]
    pub async fn typed_receiver(self: &Self) -> u8 {
        self.0
    }
}

#[test]
#[allow(deprecated)]
fn plain_type() {
    let plain = PlainBlocking::from(Plain(3));
    assert_eq!(plain.value(), 3);
    assert_eq!(plain.old_value(), 3);
    assert_eq!(plain.add(1, 2, 3), 9);
    assert_eq!(plain.typed_receiver(), 3);
    assert_eq!(PlainBlocking::new().value(), 0);
}

mod private {
    extern crate async_bridge as ab;

    struct Hidden {
        n: u32,
    }

    // A private type: a private twin, through a renamed crate path.
    #[ab::blocking(vis = "", crate = "ab")]
    impl Hidden {
        async fn make(n: u32) -> Self {
            Hidden { n }
        }

        async fn n(&self) -> u32 {
            self.n
        }
    }

    pub(crate) struct Scoped;

    #[ab::blocking(vis = "pub(crate)")]
    impl Scoped {
        pub(crate) async fn answer(&self) -> u32 {
            42
        }
    }

    #[test]
    fn private_twins() {
        let hidden = HiddenBlocking::make(5);
        assert_eq!(hidden.n(), 5);
        assert_eq!(hidden.get_ref().n, 5);
        assert_eq!(ScopedBlocking::from(Scoped).answer(), 42);
    }
}
