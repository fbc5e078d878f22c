//! The twin behind a feature with `cfg_attr`, with every warning denied in the user's code.
#![deny(warnings, missing_docs, missing_debug_implementations)]

/// A client.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
}

#[cfg_attr(all(), async_bridge::blocking)]
impl Client {
    /// A client of `base`.
    pub async fn new(base: &str) -> Self {
        Client {
            base: base.to_owned(),
        }
    }

    /// Fetches `path`.
    pub async fn fetch(&self, path: &str) -> String {
        async_bridge::sleep(std::time::Duration::from_millis(1)).await;
        format!("{}/{path}", self.base)
    }

    /// Unused here, and so is its twin: no dead-code warning for it.
    pub async fn unused(&mut self) {}
}

/// Never twinned: the `cfg_attr` is off.
#[derive(Debug)]
pub struct Off;

#[cfg_attr(any(), async_bridge::blocking)]
impl Off {
    /// Async only.
    pub async fn only_async(&self) {}
}

/// An unsafe async fn: its twin is unsafe too.
///
/// # Safety
///
/// None: a test.
#[async_bridge::blocking]
pub async unsafe fn raw(n: u8) -> u8 {
    n
}

/// A type whose twin only exists under a `cfg`.
#[derive(Debug)]
pub struct Gated;

#[cfg(all())]
#[async_bridge::blocking]
impl Gated {
    /// Unsafe method.
    ///
    /// # Safety
    ///
    /// None: a test.
    pub async unsafe fn raw(&self) -> u8 {
        3
    }
}

fn main() {
    let client = ClientBlocking::new("https://example.com");
    assert_eq!(client.fetch("a"), "https://example.com/a");
    let clone = client.clone();
    assert_eq!(
        format!("{:?}", clone.get_ref()),
        format!("{:?}", client.get_ref())
    );
    // SAFETY: no requirement.
    assert_eq!(unsafe { raw_blocking(2) }, 2);
    // SAFETY: no requirement.
    assert_eq!(unsafe { GatedBlocking::from(Gated).raw() }, 3);
    let _ = Off;
}
