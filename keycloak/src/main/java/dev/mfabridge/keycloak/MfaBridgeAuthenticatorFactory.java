package dev.mfabridge.keycloak;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

/** The browser-flow step: put it after "Username Password Form" in a copy of the browser flow, REQUIRED. */
public class MfaBridgeAuthenticatorFactory implements AuthenticatorFactory {

    public static final String ID = "mfa-bridge";
    private static final MfaBridgeBrowserAuthenticator AUTHENTICATOR = new MfaBridgeBrowserAuthenticator();

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDisplayType() {
        return "mfa-bridge second factor";
    }

    @Override
    public String getHelpText() {
        return "Asks for the user's mfa-bridge second factor (the same enrolment, lockout and audit as the LMS).";
    }

    @Override
    public String getReferenceCategory() {
        return "mfa-bridge";
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    /** REQUIRED or off: as an ALTERNATIVE it could be skipped for another step, which would be a login without MFA. */
    @Override
    public Requirement[] getRequirementChoices() {
        return new Requirement[] {Requirement.REQUIRED, Requirement.DISABLED};
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return MfaBridgeConfig.PROPERTIES;
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return AUTHENTICATOR;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
