#[test]
fn phases() {
    let name = std::env::var("P").unwrap_or("sha256".into());
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    let elf = std::fs::read(path).unwrap();
    let t0 = std::time::Instant::now();
    let mut last = (t0, "start");
    let mut report = |p: ivm_prover::v2::Phase| {
        eprintln!("T {:>7.3}s {}", last.0.elapsed().as_secs_f64(), last.1);
        last = (std::time::Instant::now(), p.name());
    };
    let n: u32 = std::env::var("N").map(|v| v.parse().unwrap()).unwrap_or(1000);
    let mut input = vec![0u8; 32];
    if name == "fibonacci" {
        input[28..].copy_from_slice(&n.to_be_bytes());
    } else {
        input = b"abc".to_vec();
    }
    let (st, proof) =
        ivm_prover::v2::prove_with(&elf, &input, &[], 1 << 24, &mut report, &|_| ()).unwrap();
    let tv = std::time::Instant::now();
    ivm_prover::v2::verify(&elf, &st, &proof).unwrap();
    eprintln!("verify {:?}", tv.elapsed());
    eprintln!("T {:>7.3}s {}", last.0.elapsed().as_secs_f64(), last.1);
    eprintln!("total {:?} for {} cycles", t0.elapsed(), st.cycles);
}
