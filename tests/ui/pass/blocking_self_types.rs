//! `Self` in a generic impl's signatures, bounds and `where` clauses.
use std::fmt::Debug;

#[derive(Debug, Clone, PartialEq)]
pub struct Pair<T>(T, T);

pub trait Swap {
    type Out;
    fn swap(self) -> Self::Out;
}

impl<T> Swap for Pair<T> {
    type Out = Pair<T>;
    fn swap(self) -> Pair<T> {
        Pair(self.1, self.0)
    }
}

#[async_bridge::blocking]
impl<T> Pair<T>
where
    T: Clone + Debug + PartialEq + Send,
    Self: Swap<Out = Self>,
{
    pub async fn new(a: T, b: T) -> Self {
        Pair(a, b)
    }

    pub async fn try_new(a: T, b: T) -> Result<Self, String> {
        if a == b {
            Err(format!("{a:?} twice"))
        } else {
            Ok(Pair(a, b))
        }
    }

    pub async fn swapped(&self) -> <Self as Swap>::Out {
        self.clone().swap()
    }

    pub async fn equals(&self, other: &Self) -> bool {
        self == other
    }

    pub async fn both(&self, others: Vec<Self>) -> Vec<Self> {
        let mut all = vec![self.clone()];
        all.extend(others);
        all
    }

    pub async fn map_with<F>(&self, f: F) -> Pair<T>
    where
        F: Fn(&T) -> T,
    {
        Pair(f(&self.0), f(&self.1))
    }

    pub async fn first<const N: usize>(&self) -> [T; N] {
        std::array::from_fn(|_| self.0.clone())
    }
}

fn main() {
    let pair = PairBlocking::new(1, 2);
    let swapped: Pair<i32> = pair.swapped();
    assert_eq!(swapped, Pair(2, 1));
    assert!(pair.equals(&Pair(1, 2)));
    assert_eq!(pair.both(vec![Pair(3, 4)]).len(), 2);
    // `Pair<T>` spelled out is `Self` too: the twin.
    let mapped: PairBlocking<i32> = pair.map_with(|n| n * 10);
    assert_eq!(mapped.into_inner(), Pair(10, 20));
    assert_eq!(pair.first::<3>(), [1, 1, 1]);
    assert_eq!(PairBlocking::try_new(1, 1).unwrap_err(), "1 twice");
    let twin: PairBlocking<i32> = PairBlocking::try_new(1, 3).unwrap();
    assert_eq!(twin.into_inner(), Pair(1, 3));
}
