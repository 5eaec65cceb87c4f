//! What install will do, decided before it does anything: the istioctl command line, the
//! IstioOperator it gets and Kyma's patches. `--dry-run` prints it; the phases execute it.

use std::path::{Path, PathBuf};

use crate::cluster::patches::Patch;
use crate::cluster::{self, record};
use crate::config::Rendered;
use crate::istioctl::{self, InstallOptions, RenderedFile};
use crate::names;
use crate::ops::error::OutputError;
use crate::util::serialize::to_yaml;

pub struct Plan {
    pub sources: Vec<String>,
    pub istioctl: PathBuf,
    /// The control-plane revision istioctl installs (`--revision`, `spec.revision`); `None` for
    /// the default revision.
    pub revision: Option<String>,
    pub options: InstallOptions,
    pub operator: serde_json::Value,
    pub operator_yaml: String,
    /// The override documents, in merge order, as one YAML stream (for the record).
    pub overrides_yaml: String,
    pub patches: Vec<Patch>,
}

impl Plan {
    pub fn new(
        rendered: &Rendered,
        istioctl: PathBuf,
        revision: Option<String>,
        options: InstallOptions,
        patches: Vec<Patch>,
    ) -> Result<Plan, OutputError> {
        let mut operator = rendered.to_json();
        if let Some(r) = &revision {
            operator["spec"]["revision"] = serde_json::json!(r);
        }
        let yaml = |what, v: &serde_json::Value| {
            to_yaml(v).map_err(|cause| OutputError::Yaml { what, cause })
        };
        let operator_yaml = yaml("IstioOperator", &operator)?;
        let mut overrides_yaml = String::new();
        for doc in &rendered.overrides {
            overrides_yaml.push_str("---\n");
            overrides_yaml.push_str(&yaml("overrides", doc)?);
        }
        Ok(Plan {
            sources: rendered.sources.clone(),
            istioctl,
            revision,
            options,
            operator,
            operator_yaml,
            overrides_yaml,
            patches,
        })
    }

    /// The plan as one YAML stream with comments: sources, the istioctl command, the
    /// IstioOperator, then every patch.
    pub fn to_yaml(&self) -> Result<String, OutputError> {
        let file = Path::new("<private temporary directory>").join(RenderedFile::FILE_NAME);
        let cmd = istioctl::shell_join(&istioctl::install_command_line(
            &self.istioctl,
            &file,
            self.revision.as_deref(),
            &self.options,
        ));
        let mut s =
            String::from("# kyma-mesh install --dry-run: nothing below has been applied.\n");
        s.push_str("#\n# Sources, in merge order:\n");
        for src in &self.sources {
            s.push_str(&format!("#   {src}\n"));
        }
        s.push_str(&format!(
            "#\n# 1. istioctl, with the IstioOperator below:\n#   {cmd}\n---\n"
        ));
        s.push_str(&self.operator_yaml);
        s.push_str(&format!(
            "#\n# 2. Kyma's post-install patches (server-side apply, field manager {}), each only where its fields differ:\n",
            cluster::FIELD_MANAGER
        ));
        for (i, p) in self.patches.iter().enumerate() {
            s.push_str(&format!(
                "# 2.{}: {} ({})\n---\n",
                i + 1,
                p.title,
                p.target()
            ));
            let patch = to_yaml(&p.plan()).map_err(|cause| OutputError::Yaml {
                what: "post-install patch",
                cause,
            })?;
            s.push_str(&patch);
        }
        s.push_str(&format!(
            "#\n# 3. Wait for istiod and the ingress gateway; record the result in ConfigMap {}/{}.\n",
            names::ISTIO_NAMESPACE,
            record::NAME
        ));
        Ok(s)
    }
}
