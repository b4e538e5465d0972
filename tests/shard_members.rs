//! Member Leases on the API emulator (`shard::members`): two replicas renew their Leases and see
//! each other live with the epochs they acknowledged; a replica that stops renewing is no longer
//! live once its duration has passed; a released Lease is gone; real kubectl reads the Leases
//! as Leases.

mod common;

use std::time::Duration;

use helm_operator::shard::members::{lease_name, list, release, renew};
use kube_emulator::{Emulator, EmulatorConfig};

const NAMESPACE: &str = "ketches";

async fn client_for(emulator: &Emulator) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&emulator.kubeconfig()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_live_while_they_renew_and_gone_once_released() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = client_for(&emulator).await;
    let ns: k8s_openapi::api::core::v1::Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": NAMESPACE}})).unwrap();
    kube::Api::<k8s_openapi::api::core::v1::Namespace>::all(client.clone())
        .create(&Default::default(), &ns)
        .await
        .unwrap();

    let duration = Duration::from_secs(2);
    renew(&client, NAMESPACE, "replica-a", duration, 3)
        .await
        .unwrap();
    renew(&client, NAMESPACE, "replica-b", duration, 2)
        .await
        .unwrap();
    let members = list(&client, NAMESPACE).await.unwrap();
    let seen: Vec<(&str, u64, bool)> = members
        .iter()
        .map(|m| (m.id.as_str(), m.acknowledged, m.live))
        .collect();
    assert_eq!(seen, [("replica-a", 3, true), ("replica-b", 2, true)]);

    // a renews (acknowledging epoch 4), b stops: once b's duration passed, only a is live
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        renew(&client, NAMESPACE, "replica-a", duration, 4)
            .await
            .unwrap();
        let members = list(&client, NAMESPACE).await.unwrap();
        let a = members.iter().find(|m| m.id == "replica-a").unwrap();
        assert!(a.live && a.acknowledged == 4, "{members:?}");
        let b = members.iter().find(|m| m.id == "replica-b").unwrap();
        if !b.live {
            assert_eq!(b.acknowledged, 2);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "b stayed live: {members:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // real kubectl reads them as Leases
    if let Some(kubectl) = common::require("shard members", "kubectl", common::which("kubectl")) {
        let dir = common::scratch_dir("shard-members");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, emulator.kubeconfig()).unwrap();
        let out = std::process::Command::new(kubectl)
            .args(["--kubeconfig", kubeconfig.to_str().unwrap()])
            .args([
                "get",
                "lease",
                "-n",
                NAMESPACE,
                "-o",
                "jsonpath={.items[*].spec.holderIdentity}",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "replica-a replica-b");
    }

    // a clean shutdown releases the Lease; releasing twice is fine
    release(&client, NAMESPACE, "replica-b").await.unwrap();
    release(&client, NAMESPACE, "replica-b").await.unwrap();
    let members = list(&client, NAMESPACE).await.unwrap();
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0].id, "replica-a");
    assert_eq!(lease_name("replica-a"), "helm-operator-member-replica-a");
}
