package dev.mfabridge.keycloak;

import dev.mfabridge.keycloak.bridge.BridgeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** The execution's settings (Admin console → the flow → the step's gear), shared by the browser and direct-grant steps. */
final class MfaBridgeConfig {

    static final String BRIDGE_URL = "bridgeUrl";
    static final String CLIENT_ID = "clientId";
    static final String CLIENT_SECRET = "clientSecret";
    static final String TIMEOUT_MS = "timeoutMs";

    static final List<ProviderConfigProperty> PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(BRIDGE_URL).label("Bridge URL").type(ProviderConfigProperty.STRING_TYPE)
            .helpText("The mfa-bridge site's address, e.g. https://lms.example.edu (/bridge/v1 is added).").add()
            .property().name(CLIENT_ID).label("Client id").type(ProviderConfigProperty.STRING_TYPE)
            .helpText("From: mfa-bridge bridge client add <clientId> --platform keycloak").add()
            .property().name(CLIENT_SECRET).label("Client secret").type(ProviderConfigProperty.PASSWORD).secret(true)
            .helpText("The mbs_… secret shown once when the client was added.").add()
            .property().name(TIMEOUT_MS).label("Timeout (ms)").type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(Long.toString(BridgeSettings.DEFAULT_TIMEOUT.toMillis()))
            .helpText("How long one bridge call may take. Past it the login is refused, never let through.").add()
            .build();

    private MfaBridgeConfig() {
    }

    /** Empty when the step has no usable configuration: the caller refuses the login and logs why. */
    static Optional<BridgeSettings> read(AuthenticatorConfigModel model) {
        Map<String, String> config = model == null ? null : model.getConfig();
        if (config == null) {
            return Optional.empty();
        }
        try {
            String url = config.getOrDefault(BRIDGE_URL, "").trim();
            String timeout = config.getOrDefault(TIMEOUT_MS, "").trim();
            URI site = URI.create(url);
            if (site.getScheme() == null || !site.getScheme().matches("https?") || site.getHost() == null) {
                return Optional.empty();
            }
            return Optional.of(new BridgeSettings(site, config.getOrDefault(CLIENT_ID, "").trim(),
                    config.getOrDefault(CLIENT_SECRET, "").trim(),
                    timeout.isEmpty() ? BridgeSettings.DEFAULT_TIMEOUT : Duration.ofMillis(Long.parseLong(timeout))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
