package dev.mfabridge.keycloak;

import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;

/**
 * The direct-grant step (token endpoint, grant_type=password): put it after "Password" in a copy of the direct grant
 * flow. A separate id, as Keycloak's own OTP steps do: forms cannot be rendered in that flow.
 */
public class MfaBridgeDirectGrantAuthenticatorFactory extends MfaBridgeAuthenticatorFactory {

    public static final String ID = "mfa-bridge-direct-grant";
    private static final MfaBridgeDirectGrantAuthenticator AUTHENTICATOR = new MfaBridgeDirectGrantAuthenticator();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "mfa-bridge second factor (direct grant)";
    }

    @Override
    public String getHelpText() {
        return "Token endpoint: without mfa_code the grant is refused (\"" + MfaBridgeDirectGrantAuthenticator.REQUIRED
                + "\"); with mfa_code (and optional mfa_factor) the bridge verifies it.";
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return AUTHENTICATOR;
    }
}
