//! Readiness of the objects a release creates: placeholder until the release engine lands.
