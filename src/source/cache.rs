//! The operator's shared caches: repository indexes, chart archives and parsed charts, each a
//! moka cache bounded by bytes and by age, shared by every reconcile of a replica. Concurrent
//! misses on one key are coalesced into one load, so two releases that want the same chart
//! version cost one download. Look-ups, evictions and the bytes held are exported as
//! `helm_operator_cache_requests_total`, `helm_operator_cache_evictions_total` and
//! `helm_operator_cache_bytes`, labelled with the cache's name.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use moka::notification::RemovalCause;

use crate::telemetry::{Metrics, catalog};

/// A cached value that knows its size in bytes (what the byte bound counts).
pub trait Weighted: Clone + Send + Sync + 'static {
    /// Approximate bytes held.
    fn weight_bytes(&self) -> usize;
}

impl Weighted for Arc<[u8]> {
    fn weight_bytes(&self) -> usize {
        self.len()
    }
}

/// One named cache.
#[derive(Clone)]
pub struct SharedCache<V: Weighted> {
    name: &'static str,
    inner: moka::future::Cache<String, V>,
    metrics: Option<Arc<Metrics>>,
}

impl<V: Weighted> std::fmt::Debug for SharedCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCache")
            .field("name", &self.name)
            .field("entries", &self.inner.entry_count())
            .field("bytes", &self.inner.weighted_size())
            .finish()
    }
}

impl<V: Weighted> SharedCache<V> {
    /// A cache called `name` (`index`, `chart`, `parsed`) holding at most `max_bytes`, each
    /// entry for at most `ttl`.
    pub fn new(
        name: &'static str,
        max_bytes: u64,
        ttl: Duration,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        let listener_metrics = metrics.clone();
        let inner = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            // moka weighs in u32: an entry above 4 GiB counts as 4 GiB, far over any bound
            .weigher(|_key: &String, value: &V| {
                u32::try_from(value.weight_bytes().max(1)).unwrap_or(u32::MAX)
            })
            .time_to_live(ttl)
            .eviction_listener(move |_key, _value, cause| {
                let cause = match cause {
                    RemovalCause::Size => "size",
                    RemovalCause::Expired => "expired",
                    // replaced or removed on purpose: not an eviction
                    RemovalCause::Explicit | RemovalCause::Replaced => return,
                };
                if let Some(m) = &listener_metrics {
                    m.add(
                        catalog::CACHE_EVICTIONS,
                        1,
                        &[("cache", name), ("cause", cause)],
                    );
                }
            })
            .build();
        Self {
            name,
            inner,
            metrics,
        }
    }

    /// The value under `key`, loading it with `load` on a miss. Concurrent callers with the
    /// same key share one load; its error reaches all of them.
    ///
    /// # Errors
    /// `load`'s error (shared, hence the `Arc`); nothing is cached then.
    pub async fn get_or_load<F, E>(&self, key: &str, load: F) -> Result<V, Arc<E>>
    where
        F: Future<Output = Result<V, E>>,
        E: Send + Sync + 'static,
    {
        let entry = self
            .inner
            .entry_by_ref(key)
            .or_try_insert_with(load)
            .await?;
        self.count(if entry.is_fresh() { "miss" } else { "hit" });
        if entry.is_fresh() {
            self.publish_size();
        }
        Ok(entry.into_value())
    }

    /// The value under `key`, if cached.
    pub async fn get(&self, key: &str) -> Option<V> {
        let value = self.inner.get(key).await;
        self.count(if value.is_some() { "hit" } else { "miss" });
        value
    }

    /// Stores `value` under `key`.
    pub async fn insert(&self, key: &str, value: V) {
        self.inner.insert(key.to_owned(), value).await;
        self.publish_size();
    }

    /// Forgets `key`.
    pub async fn remove(&self, key: &str) {
        self.inner.invalidate(key).await;
        self.publish_size();
    }

    /// Bytes held now (after pending evictions are applied).
    pub async fn bytes(&self) -> u64 {
        self.inner.run_pending_tasks().await;
        self.publish_size();
        self.inner.weighted_size()
    }

    fn count(&self, result: &str) {
        if let Some(m) = &self.metrics {
            m.add(
                catalog::CACHE_REQUESTS,
                1,
                &[("cache", self.name), ("result", result)],
            );
        }
    }

    fn publish_size(&self) {
        if let Some(m) = &self.metrics {
            // moka settles its size lazily; the gauge follows at the next look-up
            m.set_gauge(
                catalog::CACHE_BYTES,
                &[("cache", self.name)],
                self.inner.weighted_size() as f64,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn blob(n: usize) -> Arc<[u8]> {
        vec![7u8; n].into()
    }

    fn metric_line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(prefix))
    }

    #[tokio::test]
    async fn concurrent_misses_on_one_key_cost_one_load_and_count_one_miss() {
        let metrics = Arc::new(Metrics::new().unwrap());
        let cache: SharedCache<Arc<[u8]>> = SharedCache::new(
            "chart",
            1 << 20,
            Duration::from_secs(60),
            Some(metrics.clone()),
        );
        let loads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let loads = Arc::clone(&loads);
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_load("nginx-1.2.3", async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, String>(blob(1000))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().len(), 1000);
        }
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "one download for eight callers"
        );
        let text = metrics.render();
        let miss = metric_line(
            &text,
            "helm_operator_cache_requests_total{cache=\"chart\",result=\"miss\"}",
        );
        let hit = metric_line(
            &text,
            "helm_operator_cache_requests_total{cache=\"chart\",result=\"hit\"}",
        );
        assert!(miss.is_some_and(|l| l.ends_with(" 1")), "{text}");
        assert!(hit.is_some_and(|l| l.ends_with(" 7")), "{text}");
        assert_eq!(cache.bytes().await, 1000);
    }

    #[tokio::test]
    async fn a_failed_load_is_shared_and_not_cached() {
        let cache: SharedCache<Arc<[u8]>> =
            SharedCache::new("index", 1 << 20, Duration::from_secs(60), None);
        let e = cache
            .get_or_load("u", async { Err::<Arc<[u8]>, _>("unreachable".to_owned()) })
            .await
            .unwrap_err();
        assert_eq!(*e, "unreachable");
        let v = cache
            .get_or_load("u", async { Ok::<_, String>(blob(3)) })
            .await
            .unwrap();
        assert_eq!(v.len(), 3, "the next call loads again");
    }

    #[tokio::test]
    async fn the_byte_bound_evicts_and_counts_the_evictions() {
        let metrics = Arc::new(Metrics::new().unwrap());
        let cache: SharedCache<Arc<[u8]>> = SharedCache::new(
            "chart",
            10_000,
            Duration::from_secs(60),
            Some(metrics.clone()),
        );
        for i in 0..10 {
            cache.insert(&format!("k{i}"), blob(3_000)).await;
        }
        let bytes = cache.bytes().await;
        assert!(
            bytes <= 10_000,
            "held {bytes} bytes over a 10,000-byte bound"
        );
        let text = metrics.render();
        let evicted = metric_line(
            &text,
            "helm_operator_cache_evictions_total{cache=\"chart\",cause=\"size\"}",
        )
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
        assert!(evicted >= 7, "{evicted} evictions counted\n{text}");
    }

    #[tokio::test]
    async fn entries_expire_after_their_ttl() {
        let cache: SharedCache<Arc<[u8]>> =
            SharedCache::new("index", 1 << 20, Duration::from_millis(100), None);
        cache.insert("u", blob(10)).await;
        assert!(cache.get("u").await.is_some());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(cache.get("u").await.is_none(), "gone after the TTL");
    }
}
