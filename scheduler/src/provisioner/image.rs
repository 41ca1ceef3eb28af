//! The worker image, built by the scheduler itself (no registry is needed): FROM scratch,
//! the scheduler's own `updraft` binary and the shared libraries it links, tagged by the
//! binary's hash so that a new build never runs an old image.

use std::path::{Path, PathBuf};

use bollard::query_parameters::BuildImageOptionsBuilder;
use bollard::Docker;
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::ProvisionError;

const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs/ /\nUSER 65534:65534\nENTRYPOINT [\"/updraft\"]\n";

fn image_error(error: impl std::fmt::Display) -> ProvisionError {
    ProvisionError::Image(error.to_string())
}

/// The image tag for this binary.
pub(crate) fn tag_for(binary: &[u8]) -> String {
    format!("updraft-worker:{}", &hex::encode(Sha256::digest(binary))[..16])
}

/// The shared libraries `ldd` lists for `program` (none for a static binary).
fn shared_libraries(program: &Path) -> Result<Vec<PathBuf>, ProvisionError> {
    let output = std::process::Command::new("ldd").arg(program).output().map_err(image_error)?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut libraries = Vec::new();
    for line in text.lines() {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        let path = line.split("=>").nth(1).unwrap_or(line).split_whitespace().next().unwrap_or("");
        if path.starts_with('/') {
            libraries.push(PathBuf::from(path));
        }
    }
    Ok(libraries)
}

/// The build context: a Dockerfile and `rootfs/` with the binary, its libraries and an
/// empty `/tmp` (a tmpfs is mounted there).
fn context(program: &Path, binary: &[u8]) -> Result<Vec<u8>, ProvisionError> {
    let mut archive = tar::Builder::new(Vec::new());
    let mut add = |path: &str, mode: u32, bytes: &[u8]| -> Result<(), ProvisionError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        archive.append_data(&mut header, path, bytes).map_err(image_error)
    };
    add("Dockerfile", 0o644, DOCKERFILE.as_bytes())?;
    add("rootfs/updraft", 0o755, binary)?;
    for library in shared_libraries(program)? {
        let bytes = std::fs::read(&library).map_err(|e| image_error(format!("{}: {e}", library.display())))?;
        add(&format!("rootfs{}", library.display()), 0o755, &bytes)?;
    }
    let mut tmp = tar::Header::new_gnu();
    tmp.set_entry_type(tar::EntryType::Directory);
    tmp.set_mode(0o1777);
    tmp.set_size(0);
    tmp.set_cksum();
    archive.append_data(&mut tmp, "rootfs/tmp/", std::io::empty()).map_err(image_error)?;
    archive.into_inner().map_err(image_error)
}

/// Builds the worker image for `program` unless it exists; returns its tag.
pub(crate) async fn ensure_image(docker: &Docker, program: &Path) -> Result<String, ProvisionError> {
    let binary = tokio::fs::read(program).await.map_err(image_error)?;
    let tag = tag_for(&binary);
    if docker.inspect_image(&tag).await.is_ok() {
        return Ok(tag);
    }
    let program = program.to_owned();
    let body = tokio::task::spawn_blocking(move || context(&program, &binary)).await.map_err(image_error)??;
    let labels = std::collections::HashMap::from([(super::MANAGED_LABEL, "true")]);
    let options = BuildImageOptionsBuilder::default().t(&tag).rm(true).forcerm(true).labels(&labels).build();
    let mut progress = docker.build_image(options, None, Some(bollard::body_full(body.into())));
    while let Some(step) = progress.next().await {
        let info = step.map_err(|e| ProvisionError::Image(format!("docker build: {e}")))?;
        if let Some(error) = info.error_detail.and_then(|d| d.message) {
            return Err(ProvisionError::Image(error));
        }
    }
    tracing::info!(%tag, "worker image built");
    remove_older_images(docker, &tag).await;
    Ok(tag)
}

/// Removes worker images of earlier builds (those still used by a container stay).
async fn remove_older_images(docker: &Docker, keep: &str) {
    let filters = std::collections::HashMap::from([("label", vec![format!("{}=true", super::MANAGED_LABEL)])]);
    let options = bollard::query_parameters::ListImagesOptionsBuilder::default().filters(&filters).build();
    let Ok(images) = docker.list_images(Some(options)).await else { return };
    for image in images {
        if image.repo_tags.iter().any(|t| t == keep) {
            continue;
        }
        for tag in image.repo_tags.iter().filter(|t| t.starts_with("updraft-worker:")) {
            if docker.remove_image(tag, None::<bollard::query_parameters::RemoveImageOptions>, None).await.is_ok() {
                tracing::info!(%tag, "removed an old worker image");
            }
        }
    }
}
