//! A tower layer on the Kubernetes client that counts every API request by verb and result
//! (`helm_operator_kube_requests_total`), so API trouble shows on a dashboard before it shows
//! in reconcile errors.

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;

use super::{Metrics, catalog};

/// Wraps a client service with request counting.
#[derive(Clone, Debug)]
pub struct KubeRequestMetricsLayer {
    metrics: Arc<Metrics>,
}

impl KubeRequestMetricsLayer {
    /// Counts into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for KubeRequestMetricsLayer {
    type Service = KubeRequestMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        KubeRequestMetrics {
            inner,
            metrics: Arc::clone(&self.metrics),
        }
    }
}

/// The service made by [`KubeRequestMetricsLayer`].
#[derive(Clone, Debug)]
pub struct KubeRequestMetrics<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

/// The Kubernetes verb of a request, from its method and query.
pub fn verb_of(method: &http::Method, query: Option<&str>) -> &'static str {
    let watching =
        query.is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"));
    match *method {
        http::Method::GET if watching => "watch",
        http::Method::GET => "get",
        http::Method::POST => "create",
        http::Method::PUT => "update",
        http::Method::PATCH => "patch",
        http::Method::DELETE => "delete",
        _ => "other",
    }
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for KubeRequestMetrics<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let verb = verb_of(request.method(), request.uri().query());
        let metrics = Arc::clone(&self.metrics);
        let response = self.inner.call(request);
        Box::pin(async move {
            let result = response.await;
            let outcome = match &result {
                Ok(r) if r.status().is_success() => "success",
                _ => "error",
            };
            metrics.add(
                catalog::KUBE_REQUESTS,
                1,
                &[("verb", verb), ("result", outcome)],
            );
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_follow_kubernetes_naming() {
        assert_eq!(
            verb_of(&http::Method::GET, Some("labelSelector=a&watch=true")),
            "watch"
        );
        assert_eq!(verb_of(&http::Method::GET, Some("watch=false")), "get");
        assert_eq!(verb_of(&http::Method::GET, None), "get");
        assert_eq!(
            verb_of(&http::Method::PATCH, Some("fieldManager=helm-operator")),
            "patch"
        );
        assert_eq!(verb_of(&http::Method::POST, None), "create");
    }
}
