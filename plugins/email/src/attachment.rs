//! Reads attachment files from disk, within a size limit.

use std::fs::File;
use std::io::{ErrorKind, Read};

use garita_sdk::{FieldError, InvokeContext};
use lettre::message::header::ContentType;

use crate::request::AttachmentRequest;
use garita_portal_kit::pick_for;

/// An attachment read into memory.
#[derive(Debug, Clone)]
pub(crate) struct LoadedAttachment {
    pub filename: String,
    pub content_type: ContentType,
    pub bytes: Vec<u8>,
}

/// Reads the file `request` names, refusing files larger than `max_bytes`.
///
/// A problem is reported at the item's `path` and names the file, so the
/// person who wrote the workflow knows which attachment to fix.
pub(crate) fn load(
    ctx: &InvokeContext,
    request: &AttachmentRequest,
    max_bytes: u64,
) -> Result<LoadedAttachment, FieldError> {
    let shown = request.path.display();
    let problem = |spanish: String, english: String| {
        FieldError::new(
            format!("{}/path", request.pointer),
            pick_for(ctx, spanish, english),
        )
    };
    let file = File::open(&request.path).map_err(|err| match err.kind() {
        ErrorKind::NotFound => problem(
            format!("no existe el archivo adjunto `{shown}`"),
            format!("the attachment file `{shown}` does not exist"),
        ),
        _ => problem(
            format!("no se pudo abrir el archivo adjunto `{shown}`: {err}"),
            format!("could not open the attachment file `{shown}`: {err}"),
        ),
    })?;
    let too_big = || {
        problem(
            format!("el archivo adjunto `{shown}` supera el límite de {max_bytes} bytes"),
            format!("the attachment file `{shown}` is larger than the {max_bytes}-byte limit"),
        )
    };
    let metadata = file.metadata().map_err(|err| {
        problem(
            format!("no se pudo leer `{shown}`: {err}"),
            format!("could not read `{shown}`: {err}"),
        )
    })?;
    if !metadata.is_file() {
        return Err(problem(
            format!("`{shown}` no es un archivo"),
            format!("`{shown}` is not a file"),
        ));
    }
    if metadata.len() > max_bytes {
        return Err(too_big());
    }
    // Reading one byte past the limit catches a file that grew after the size check.
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| {
            problem(
                format!("no se pudo leer `{shown}`: {err}"),
                format!("could not read `{shown}`: {err}"),
            )
        })?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big());
    }
    let filename = match &request.filename {
        Some(name) => name.clone(),
        None => request
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".to_owned()),
    };
    let content_type = request
        .content_type
        .clone()
        .unwrap_or_else(|| guess_content_type(&filename));
    Ok(LoadedAttachment {
        filename,
        content_type,
        bytes,
    })
}

/// The MIME type of the usual kinds of files compliance work attaches,
/// `application/octet-stream` for anything else.
pub(crate) fn guess_content_type(filename: &str) -> ContentType {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match extension.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "zip" => "application/zip",
        "eml" => "message/rfc822",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    };
    ContentType::parse(mime).unwrap_or(ContentType::TEXT_PLAIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn request(path: PathBuf) -> AttachmentRequest {
        AttachmentRequest {
            pointer: "/attachments/0".into(),
            path,
            filename: None,
            content_type: None,
        }
    }

    #[test]
    fn reads_a_file_and_guesses_its_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Constancia.PDF");
        std::fs::write(&path, b"%PDF-1.4").unwrap();
        let loaded = load(&InvokeContext::for_test(), &request(path), 1024).unwrap();
        assert_eq!(loaded.filename, "Constancia.PDF");
        assert_eq!(
            loaded.content_type,
            ContentType::parse("application/pdf").unwrap()
        );
        assert_eq!(loaded.bytes, b"%PDF-1.4");
    }

    #[test]
    fn names_a_missing_file() {
        let err = load(
            &InvokeContext::for_test(),
            &request(PathBuf::from("/no/such/guía.pdf")),
            1024,
        )
        .unwrap_err();
        assert_eq!(err.path, "/attachments/0/path");
        assert!(err.message.contains("/no/such/guía.pdf"), "{}", err.message);
    }

    #[test]
    fn refuses_a_file_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        std::fs::write(&path, vec![0u8; 11]).unwrap();
        let err = load(&InvokeContext::for_test(), &request(path.clone()), 10).unwrap_err();
        assert!(err.message.contains("10"), "{}", err.message);
        assert!(load(&InvokeContext::for_test(), &request(path), 11).is_ok());
    }

    #[test]
    fn refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(
            &InvokeContext::for_test(),
            &request(dir.path().to_path_buf()),
            10
        )
        .is_err());
    }
}
