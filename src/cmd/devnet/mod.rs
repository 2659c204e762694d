//! `ivm devnet`: a local coprocessor network in one command.
//!
//! Starts anvil, deploys `JobManager` (dev owner/operator/relayer/arbiter accounts, operator
//! bond deposited) and a general-purpose `ExampleConsumer` (offchain signer: dev account 0),
//! starts a node in-process, submits the bundled example programs, writes the network profile
//! that the other commands use by default, and runs until Ctrl-C / SIGTERM, then stops the
//! node and anvil and removes the profile.
mod anvil;
mod arbiters;
mod practice;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{bail, Context, Result};
use clap::Args;
use ivm_contracts::{
    alloy_primitives::{Address, U256},
    client::{alloy_provider::Provider, Client},
    deploy::{deploy, dev_dispute_parameters, DeployConfig},
};
use serde::Serialize;

pub use anvil::find_anvil;
use anvil::Anvil;
use arbiters::ArbiterSet;
use practice::practice_mode;

use crate::{
    cli::JsonFlag,
    exit::{coded, Code, Outcome},
    keys::parse_private_key,
    network::{profile_path, validate_name, Contracts, DevAccount, Profile, ProfileDirArg},
    node_client::NodeClient,
    ui,
};

/// anvil's accounts for its default mnemonic ("test test … junk"): public, for local use only.
pub const DEV_KEYS: [&str; 10] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Dev account roles (index into [`DEV_KEYS`]).
pub const DEPLOYER: usize = 0;
pub const OPERATOR: usize = 1;
pub const RELAYER: usize = 2;
pub const ARBITER: usize = 3;

const OPERATOR_BOND_ETHER: u64 = 10;

#[derive(Debug, Args)]
pub struct DevnetArgs {
    /// anvil's RPC port (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 8545, env = "IVM_DEVNET_PORT")]
    pub port: u16,
    /// The node's HTTP port (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 8080, env = "IVM_DEVNET_NODE_PORT")]
    pub node_port: u16,
    /// Chain ID.
    #[arg(long, value_name = "ID", default_value_t = 31337)]
    pub chain_id: u64,
    /// Mine a block every N seconds (default: a block per transaction).
    #[arg(long, value_name = "SECS")]
    pub block_time: Option<u64>,
    /// The block gas limit [default: anvil's, 30,000,000]. With --block-time it bounds how many
    /// results land per second (a relay costs ~420,000 gas).
    #[arg(long, value_name = "GAS")]
    pub gas_limit: Option<u64>,
    /// Profile name to write.
    #[arg(long, value_name = "NAME", default_value = crate::network::DEFAULT_PROFILE)]
    pub name: String,
    #[command(flatten)]
    pub dir: ProfileDirArg,
    /// Node database directory (default: a temporary directory removed at exit).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Directory of program ELFs to submit [default: guest-examples/target/ivm].
    #[arg(long, value_name = "DIR")]
    pub programs: Option<PathBuf>,
    /// Submit no programs.
    #[arg(long, conflicts_with = "programs")]
    pub no_programs: bool,
    /// Coprocessor nodes to start, on ports --node-port, --node-port + 1, … They share the
    /// --db PostgreSQL database: jobs submitted to any of them are executed once and relayed
    /// once, by whichever node holds the relayer role.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub nodes: usize,
    /// The nodes' store: a PostgreSQL URL (postgres://…; needed for --nodes above 1) [default:
    /// a redb file in --data-dir].
    #[arg(long, value_name = "URL", env = "IVM_DEVNET_DB", hide_env_values = true)]
    pub db: Option<String>,
    /// Executors (jobs run at the same time).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub executors: usize,
    /// Relay transactions the relayer keeps in flight at once (`ivm node
    /// --max-relays-in-flight`).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_relays_in_flight: usize,
    /// Offchain jobs relayed together in one transaction, at most (`ivm node
    /// --max-relay-batch`).
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub max_relay_batch: usize,
    /// Practice mode: the devnet's operator posts WRONG results for this program (an ELF name
    /// from the programs directory, a 0x program ID, or `all`), so you can rehearse catching and
    /// overturning them with `ivm challenge`. Repeatable. Only the devnet has this mode.
    #[arg(long, value_name = "PROGRAM")]
    pub dishonest: Vec<String>,
    /// With --dishonest: also withhold those jobs' offchain inputs (the node will not serve
    /// them; a challenger must get them elsewhere).
    #[arg(long, requires = "dishonest")]
    pub withhold_inputs: bool,
    /// With --dishonest: the operator also challenges each of its wrong results with a junk
    /// proof, trying to keep honest challengers out (it cannot: any number may be open).
    #[arg(long, requires = "dishonest")]
    pub self_challenge: bool,
    /// Arbiters: each verifies every challenge's proof on its own and votes from the devnet's
    /// node; a challenge is decided when --threshold of them agree.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub arbiters: usize,
    /// How many arbiters must agree on a verdict [default: a majority of --arbiters].
    #[arg(long, value_name = "K")]
    pub threshold: Option<usize>,
    /// Practice mode: this many of the arbiters (the last ones) vote against what the proofs
    /// show, so you can watch the others outvote them. Only the devnet has this mode.
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub lying_arbiters: usize,
    /// JobManager's maxJobCycles, the provability bound [default: the largest run `ivm prove`
    /// can prove in this machine's memory, at 2 trace rows per cycle].
    #[arg(long, value_name = "N")]
    pub max_job_cycles: Option<u64>,
    /// The anvil binary [default: `anvil` on PATH, else the project's npm install].
    #[arg(long, value_name = "FILE", env = "IVM_ANVIL")]
    pub anvil: Option<PathBuf>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Serialize)]
struct ProgramEntry {
    name: String,
    program_id: String,
    elf: PathBuf,
}

pub fn run(args: DevnetArgs) -> Outcome {
    validate_name(&args.name)?;
    // Node logs on stderr: warnings and errors unless IVM_LOG / RUST_LOG ask for more.
    if std::env::var_os("IVM_LOG").is_none() && std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("IVM_LOG", "warn");
    }
    ivm_node::init_logging();
    let rt = crate::network::runtime()?;
    rt.block_on(run_async(args))
}

async fn run_async(args: DevnetArgs) -> Outcome {
    let anvil_bin = find_anvil(args.anvil.as_deref())?;
    let arbiters = ArbiterSet::from_args(&args)?;
    let profile_file = profile_path(args.dir.profile_dir.as_deref(), &args.name)?;
    let tmp_data;
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => {
            tmp_data = tempfile::Builder::new()
                .prefix("ivm-devnet-")
                .tempdir()
                .context("creating a temporary directory")?;
            tmp_data.path().to_path_buf()
        }
    };

    let spinner = ui::spinner("starting anvil");
    let mut anvil = Anvil::start(&anvil_bin, &args).await?;
    spinner.finish_and_clear();
    ui::status("Started", format!("anvil at {} ({})", anvil.url, anvil_bin.display()));

    // Everything after anvil is up runs inside `setup` so that a failure still stops anvil.
    let outcome = match setup(&args, &arbiters, &anvil.url, &data_dir).await {
        Ok(running) => serve(args, running, &mut anvil, &profile_file).await,
        Err(e) => Err(e),
    };
    anvil.stop().await;
    outcome
}

struct Running {
    /// The first node is the profile's `node_url`.
    nodes: Vec<ivm_node::RunningNode>,
    profile: Profile,
    programs: Vec<ProgramEntry>,
    max_job_cycles: u64,
    arbiters: ArbiterSet,
}

/// A failed call to the devnet's chain (exit code 7).
fn chain_err(what: &str, e: &dyn std::fmt::Display) -> anyhow::Error {
    coded(Code::Network, format!("{what}: {e}"))
}

async fn setup(
    args: &DevnetArgs,
    arbiters: &ArbiterSet,
    rpc_url: &str,
    data_dir: &Path,
) -> Result<Running> {
    let keys: Vec<_> =
        DEV_KEYS.iter().map(|k| parse_private_key(k).expect("valid dev key")).collect();
    let addr = |i: usize| keys[i].address();

    let deployer = Client::connect_with_signer(rpc_url, keys[DEPLOYER].clone())
        .await
        .map_err(|e| chain_err("connecting to anvil", &e))?;
    let accounts =
        deployer.provider().get_accounts().await.map_err(|e| chain_err("eth_accounts", &e))?;
    for (i, key) in keys.iter().enumerate() {
        if accounts.get(i) != Some(&key.address()) {
            bail!("anvil's account {i} is not the well-known dev account {} (was anvil started with another mnemonic?)", key.address());
        }
    }

    let spinner = ui::spinner("deploying contracts");
    let config = DeployConfig {
        owner: addr(DEPLOYER),
        relayer: addr(RELAYER),
        operator: addr(OPERATOR),
        arbiter: addr(ARBITER),
        dispute_parameters: dev_dispute_parameters(),
        consumer_owner: addr(DEPLOYER),
        consumer_offchain_signer: addr(DEPLOYER),
        consumer_initial_max_nonce: 0,
    };
    let deployment = deploy(&deployer, &config)
        .await
        .map_err(|e| chain_err("deploying JobManager + ExampleConsumer", &e))?;
    let operator = deployer
        .with_signer(keys[OPERATOR].clone())
        .await
        .map_err(|e| chain_err("connecting the operator", &e))?;
    let bond = U256::from(OPERATOR_BOND_ETHER) * U256::from(10u64).pow(U256::from(18u64));
    operator
        .deposit_operator_bond(deployment.job_manager, addr(OPERATOR), bond)
        .await
        .map_err(|e| chain_err("depositing the operator bond", &e))?;
    let max_job_cycles = args.max_job_cycles.unwrap_or_else(machine_bound);
    deployer
        .set_max_job_cycles(deployment.job_manager, max_job_cycles)
        .await
        .map_err(|e| chain_err("setting JobManager's maxJobCycles", &e))?;
    arbiters.install(&deployer, deployment.job_manager).await?;
    spinner.finish_and_clear();
    ui::status(
        "Deployed",
        format!(
            "JobManager {} and ExampleConsumer {}",
            deployment.job_manager, deployment.consumer
        ),
    );

    let nodes = start_nodes(
        args,
        arbiters,
        rpc_url,
        deployment.job_manager,
        deployment.deploy_block,
        data_dir,
    )
    .await?;
    let node_url = nodes[0].url();
    let urls: Vec<String> = nodes.iter().map(|n| n.url()).collect();
    ui::status(
        "Started",
        match nodes.len() {
            1 => format!("node at {node_url}"),
            n => format!("{n} nodes sharing one database at {}", urls.join(", ")),
        },
    );

    let programs =
        if args.no_programs { Vec::new() } else { submit_programs(args, &node_url).await? };

    let roles = |i: usize| match i {
        DEPLOYER => "deployer, owner, consumer offchain signer",
        OPERATOR => "coprocessor operator (bonded)",
        RELAYER => "relayer",
        ARBITER => "arbiter (the devnet's node votes on challenges with it)",
        _ => "user",
    };
    let profile = Profile {
        name: args.name.clone(),
        chain_id: deployment.chain_id,
        rpc_url: rpc_url.to_string(),
        node_url,
        contracts: Contracts {
            job_manager: deployment.job_manager,
            consumer: Some(deployment.consumer),
            deploy_block: deployment.deploy_block,
        },
        devnet: true,
        dev_accounts: keys
            .iter()
            .enumerate()
            .map(|(i, k)| DevAccount {
                index: i as u32,
                address: k.address(),
                private_key: DEV_KEYS[i].to_string(),
                role: roles(i).to_string(),
            })
            .collect(),
    };
    Ok(Running { nodes, profile, programs, max_job_cycles, arbiters: arbiters.clone() })
}

/// Where the devnet's nodes keep their state: `--db`, else a redb file in the data directory
/// (one node only).
fn store_location(args: &DevnetArgs, data_dir: &Path) -> Result<ivm_node::StoreLocation> {
    use ivm_node::StoreLocation;
    let location = match &args.db {
        Some(db) => StoreLocation::parse(db),
        None => StoreLocation::File(data_dir.join("node.redb")),
    };
    if args.nodes == 0 {
        return Err(crate::exit::invalid_input("--nodes must be at least 1"));
    }
    if args.nodes > 1 && !matches!(location, StoreLocation::Postgres(_)) {
        return Err(crate::exit::invalid_input(format!(
            "--nodes {}: several nodes share one PostgreSQL database; pass --db postgres://user:password@host/db",
            args.nodes
        )));
    }
    Ok(location)
}

/// Starts the coprocessor nodes in this process, on consecutive ports.
async fn start_nodes(
    args: &DevnetArgs,
    arbiters: &ArbiterSet,
    rpc_url: &str,
    job_manager: Address,
    deploy_block: u64,
    data_dir: &Path,
) -> Result<Vec<ivm_node::RunningNode>> {
    let db = store_location(args, data_dir)?;
    let dishonest = practice_mode(args)?;
    let mut nodes = Vec::new();
    for i in 0..args.nodes {
        let mut config = ivm_node::NodeConfig::new(
            db.clone(),
            rpc_url,
            job_manager,
            ivm_node::SecretKey::new(DEV_KEYS[OPERATOR]),
            ivm_node::SecretKey::new(DEV_KEYS[RELAYER]),
        );
        let port = if args.node_port == 0 { 0 } else { args.node_port.saturating_add(i as u16) };
        config.listen = SocketAddr::from(([127, 0, 0, 1], port));
        config.executors = args.executors.max(1);
        config.max_relays_in_flight = args.max_relays_in_flight.max(1);
        config.max_relay_batch = args.max_relay_batch.max(1);
        config.listener_start_block = deploy_block;
        config.poll_interval = Duration::from_millis(200);
        // The first node also votes with every arbiter key: each verifies the proofs on its
        // own (once: a key on two nodes would vote twice).
        if i == 0 {
            config.arbiters = arbiters.node_keys();
        }
        config.dishonest = dishonest.clone();
        let node = ivm_node::start(config).await.map_err(|e| {
            let code = if e.to_string().contains("listen") { Code::Network } else { Code::Failure };
            coded(code, format!("starting node {}: {e:#}", i + 1))
        })?;
        nodes.push(node);
    }
    Ok(nodes)
}

/// Submits every `*.elf` in the programs directory (the bundled examples by default).
async fn submit_programs(args: &DevnetArgs, node_url: &str) -> Result<Vec<ProgramEntry>> {
    let dir = match &args.programs {
        Some(d) => d.clone(),
        None => match default_programs_dir() {
            Some(d) => d,
            None => {
                ui::warn("no example programs found (guest-examples/target/ivm): skipping; build them with `ivm build --path guest-examples` or submit your own with `ivm program submit`");
                return Ok(Vec::new());
            }
        },
    };
    let mut elfs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading programs directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "elf"))
        .collect();
    elfs.sort();
    if elfs.is_empty() {
        ui::warn(format!("no .elf files in {}: no programs submitted", dir.display()));
    }
    let node = NodeClient::new(node_url)?;
    let mut out = Vec::new();
    for elf in elfs {
        let name = elf.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        // The devnet's own node takes programs without an upload key.
        match super::program::submit_elf(&node, &name, &elf, None).await {
            Ok(s) => out.push(ProgramEntry { name: s.name, program_id: s.program_id, elf: s.elf }),
            Err(e) => ui::warn(format!("program {} not submitted: {e:#}", elf.display())),
        }
    }
    ui::status("Submitted", format!("{} programs from {}", out.len(), dir.display()));
    Ok(out)
}

fn default_programs_dir() -> Option<PathBuf> {
    let rel = Path::new("guest-examples/target/ivm");
    let mut candidates = vec![];
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(|a| a.join(rel)));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel));
    candidates.into_iter().find(|d| d.is_dir())
}

async fn serve(
    args: DevnetArgs,
    running: Running,
    anvil: &mut Anvil,
    profile_file: &Path,
) -> Outcome {
    let Running { nodes, profile, programs, max_job_cycles, arbiters } = running;
    profile.save(profile_file)?;
    if args.json.json {
        let mut doc = serde_json::to_value(&profile)?;
        doc["profile_path"] = serde_json::to_value(profile_file)?;
        doc["programs"] = serde_json::to_value(&programs)?;
        doc["node_urls"] = serde_json::to_value(nodes.iter().map(|n| n.url()).collect::<Vec<_>>())?;
        doc["max_job_cycles"] = serde_json::to_value(max_job_cycles)?;
        doc["dishonest"] = serde_json::to_value(&args.dishonest)?;
        doc["arbiters"] = serde_json::to_value(arbiters.addresses())?;
        doc["arbiter_threshold"] = serde_json::to_value(arbiters.threshold)?;
        doc["lying_arbiters"] = serde_json::to_value(arbiters.lying)?;
        // camelCase like every other `--json` (the profile file itself stays TOML snake_case).
        let doc = camel_case_keys(doc);
        // One line: readers can take the document with a single read_line.
        println!("{}", serde_json::to_string(&doc)?);
    } else {
        print_summary(&profile, &programs, profile_file, max_job_cycles);
        if nodes.len() > 1 {
            println!(
                "  {} {} nodes share one database: {}",
                console::style("cluster").bold(),
                nodes.len(),
                nodes.iter().map(|n| n.url()).collect::<Vec<_>>().join(", ")
            );
        }
        if arbiters.keys.len() > 1 {
            println!(
                "  {} {} arbiters vote on each challenge; {} must agree ({})",
                console::style("arbiters").bold(),
                arbiters.keys.len(),
                arbiters.threshold,
                arbiters.addresses().iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
            );
        }
        if arbiters.lying > 0 {
            println!(
                "  {} {} of them vote against what the proofs show",
                console::style("practice mode").red().bold(),
                arbiters.lying
            );
        }
        if !args.dishonest.is_empty() {
            println!(
                "  {} the operator posts WRONG results for {} (practice mode: catch them with `ivm challenge watch`)",
                console::style("practice mode").red().bold(),
                args.dishonest.join(", ")
            );
        }
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing a SIGTERM handler")?;
    let why = tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "terminated",
        status = anvil.child.wait() => {
            ui::warn(format!("anvil exited unexpectedly ({})", status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())));
            "anvil exited"
        }
        _ = any_node_stopped(&nodes) => "node stopped",
    };
    eprintln!("{why}: shutting down the devnet (nodes, then anvil)…");
    for node in nodes {
        node.shutdown().await;
    }
    anvil.stop().await;
    // The profile names this devnet's ports and contracts, which are gone now.
    if Profile::load(profile_file).is_ok_and(|p| p == profile) {
        let _ = std::fs::remove_file(profile_file);
    }
    eprintln!(
        "devnet stopped: node and anvil shut down, profile {} removed",
        profile_file.display()
    );
    Ok(if why == "anvil exited" || why == "node stopped" { Code::Failure } else { Code::Ok })
}

/// Resolves when any of the nodes stops.
async fn any_node_stopped(nodes: &[ivm_node::RunningNode]) {
    let mut waits = tokio::task::JoinSet::new();
    for node in nodes {
        waits.spawn(node.stopped());
    }
    waits.join_next().await;
}

/// `snake_case` object keys to `camelCase`, recursively.
fn camel_case_keys(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let mut key = String::with_capacity(k.len());
                    let mut upper = false;
                    for c in k.chars() {
                        match (c, upper) {
                            ('_', _) => upper = true,
                            (c, true) => {
                                key.extend(c.to_uppercase());
                                upper = false;
                            }
                            (c, false) => key.push(c),
                        }
                    }
                    (key, camel_case_keys(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

/// The provability bound `ivm devnet` sets by default: what this machine's memory proves.
fn machine_bound() -> u64 {
    let (total, _) = super::prove::meminfo();
    ivm_prover::v2::shape::max_provable_cycles(total.unwrap_or(8 << 30))
}

fn print_summary(p: &Profile, programs: &[ProgramEntry], profile_file: &Path, max_cycles: u64) {
    let b = |s: &str| console::style(s.to_string()).bold();
    println!("{} (Ctrl-C to stop)", console::style("ivm devnet running").green().bold());
    println!("  {}       {}  chain ID {}", b("rpc"), p.rpc_url, p.chain_id);
    println!("  {}      {}", b("node"), p.node_url);
    println!("  {} {}", b("JobManager"), p.contracts.job_manager);
    if let Some(c) = p.contracts.consumer {
        println!("  {}  {c} (ExampleConsumer; offchain signer = dev account 0)", b("consumer"));
    }
    println!(
        "  {} {} cycles (maxJobCycles: the largest job a challenger here can prove)",
        b("job bound"),
        ui::thousands(max_cycles)
    );
    println!("  {}   {}", b("profile"), profile_file.display());
    println!("  {}", b("dev accounts (anvil's public test keys; use --dev-account <n>)"));
    for a in &p.dev_accounts {
        println!("    {}  {}  {}", a.index, a.address, a.role);
    }
    if programs.is_empty() {
        println!("  {} none", b("programs"));
    } else {
        println!("  {}", b("programs"));
        let w = programs.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for pr in programs {
            println!("    {:w$}  {}", pr.name, pr.program_id);
        }
    }
    if let Some(fib) = programs.iter().find(|p| p.name == "fibonacci").or(programs.first()) {
        println!();
        println!("try:");
        println!(
            "  ivm job submit --program-id {} --input-hex 0x{:064x} --dev-account 0 --wait",
            fib.program_id, 10
        );
    }
}
