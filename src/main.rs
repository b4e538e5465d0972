#![forbid(unsafe_code)]
fn main() {
    print!("{}", helm_operator::api::crds_yaml().unwrap());
}
