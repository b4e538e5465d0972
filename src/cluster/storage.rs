//! Helm release records: placeholder until the release engine lands.
