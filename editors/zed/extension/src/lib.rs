//! Zed extension for tf-lsp: starts `tf-lsp serve` and hands it the `lsp.tf-lsp.settings` of Zed's settings as
//! the "tfLsp" section. Untested here (Zed and its extension toolchain are not available on the test machines).
use zed_extension_api::{self as zed, serde_json, settings::LspSettings, LanguageServerId, Result};

const SERVER: &str = "tf-lsp";

struct TfLsp;

impl TfLsp {
    fn settings(worktree: &zed::Worktree) -> Option<LspSettings> {
        LspSettings::for_worktree(SERVER, worktree).ok()
    }
}

impl zed::Extension for TfLsp {
    fn new() -> Self {
        TfLsp
    }

    fn language_server_command(&mut self, _id: &LanguageServerId, worktree: &zed::Worktree) -> Result<zed::Command> {
        let binary = Self::settings(worktree).and_then(|s| s.binary);
        let path = binary.as_ref().and_then(|b| b.path.clone()).or_else(|| worktree.which(SERVER));
        let Some(command) = path else {
            return Err("tf-lsp is not on PATH: `pip install tf-lsp`, or set lsp.tf-lsp.binary.path".into());
        };
        let args = binary.and_then(|b| b.arguments).unwrap_or_else(|| vec!["serve".into()]);
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }

    fn language_server_initialization_options(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        let settings = Self::settings(worktree).and_then(|s| s.settings).unwrap_or_else(|| serde_json::json!({}));
        Ok(Some(serde_json::json!({ "tfLsp": settings })))
    }

    fn language_server_workspace_configuration(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        let settings = Self::settings(worktree).and_then(|s| s.settings).unwrap_or_else(|| serde_json::json!({}));
        Ok(Some(serde_json::json!({ "tfLsp": settings })))
    }
}

zed::register_extension!(TfLsp);
