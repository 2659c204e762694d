//! `ivm program submit <elf | --path project [--program name]>`: upload programs to a node.
//! Idempotent: asks `contains_program` first and skips programs the node already has.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ivm_api::VmType;
use serde::Serialize;

use crate::{
    cli::{JsonFlag, ProjectArgs},
    exit::{Code, Outcome},
    guest_build::{self, BuildOptions},
    network::{runtime, NetworkArgs},
    node_client::NodeClient,
    project::Project,
    ui,
};

#[derive(Debug, Args)]
pub struct ProgramArgs {
    #[command(subcommand)]
    pub command: ProgramCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProgramCommand {
    /// Submit a program ELF (or every program of a project) to the coprocessor node.
    Submit(SubmitArgs),
}

#[derive(Args)]
pub struct SubmitArgs {
    /// The ELF to submit. Without it, the project's programs are built and submitted.
    #[arg(conflicts_with_all = ["path", "program"])]
    pub elf: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Only this program of the project.
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
    /// The node operator's program upload key, for a node started with
    /// `--program-upload-key` (never printed).
    #[arg(long, value_name = "KEY", env = "IVM_PROGRAM_UPLOAD_KEY", hide_env_values = true)]
    pub upload_key: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

impl std::fmt::Debug for SubmitArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitArgs")
            .field("elf", &self.elf)
            .field("program", &self.program)
            .field("upload_key", &self.upload_key.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    pub name: String,
    pub elf: PathBuf,
    pub program_id: String,
    /// false: the node already had it.
    pub submitted: bool,
}

pub fn run(args: ProgramArgs) -> Outcome {
    match args.command {
        ProgramCommand::Submit(a) => submit(a),
    }
}

fn submit(args: SubmitArgs) -> Outcome {
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let elfs: Vec<(String, PathBuf)> = match &args.elf {
        Some(elf) => vec![(name_of(elf), elf.clone())],
        None => {
            let project = Project::locate(args.project.path.as_deref())?;
            let opts = BuildOptions { program: args.program.clone(), ..Default::default() };
            guest_build::build(&project, &opts)
                .context("building the programs to submit")?
                .into_iter()
                .map(|b| (b.name, b.elf))
                .collect()
        }
    };
    let rt = runtime()?;
    let mut out = Vec::new();
    for (name, elf) in elfs {
        let s = rt.block_on(submit_elf(&node, &name, &elf, args.upload_key.as_deref()))?;
        if !args.json.json {
            let what = if s.submitted { "submitted" } else { "already on the node" };
            println!("{}  {}  {what}", s.name, s.program_id);
        }
        out.push(s);
    }
    if args.json.json {
        ui::print_json(&serde_json::json!({ "node": node.url(), "programs": out }))?;
    }
    Ok(Code::Ok)
}

fn name_of(elf: &Path) -> String {
    elf.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| elf.display().to_string())
}

/// Validates `elf`, then submits it unless the node already has its program ID.
pub async fn submit_elf(
    node: &NodeClient,
    name: &str,
    elf: &Path,
    upload_key: Option<&str>,
) -> Result<Submitted> {
    let (_, id) = super::program_id::load_elf(elf)?;
    let bytes = std::fs::read(elf).with_context(|| format!("reading ELF {}", elf.display()))?;
    let id_bytes = id.0.to_vec();
    let present = node
        .contains_program(id_bytes.clone())
        .await
        .context("asking the node whether it has the program")?;
    if !present {
        let resp = node
            .submit_program(bytes, id_bytes.clone(), VmType::JoltRv32im as i32, upload_key)
            .await
            .with_context(|| format!("submitting {}", elf.display()))?;
        if resp.program_id != id_bytes {
            ui::warn(format!(
                "the node answered program ID 0x{} for {} (expected {})",
                hex::encode(&resp.program_id),
                elf.display(),
                id.to_hex()
            ));
        }
    }
    Ok(Submitted {
        name: name.to_string(),
        elf: elf.to_path_buf(),
        program_id: id.to_hex(),
        submitted: !present,
    })
}
